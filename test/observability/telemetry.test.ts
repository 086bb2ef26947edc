/**
 * The Telemetry adapter, called the way the runtime calls it: log lines, metric text and spans
 * (an in-memory exporter) for one turn with two model calls and two machine decisions.
 */
import { describe, expect, it } from 'vitest';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createMetrics } from '../../src/observability/metrics.js';
import { createTelemetry } from '../../src/observability/telemetry.js';
import { createTracing } from '../../src/observability/tracing.js';
import type { Telemetry } from '../../src/runtime/telemetry.js';
import { captureLogs } from './log-capture.js';

const TOOLS = ['get_customer', 'lookup_order', 'process_refund', 'escalate_to_human'];

function fixture(captureContent = false) {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ exporter, serviceName: 'support-agent-test' });
  const logs = captureLogs({ level: 'info' });
  const metrics = createMetrics({ processMetrics: false });
  const telemetry = createTelemetry({
    logger: logs.logger,
    metrics,
    tracer: tracing.tracer,
    captureContent,
    knownTools: TOOLS,
  });
  return { exporter, logs, metrics, telemetry };
}

/** One turn as the runtime runs it. */
async function aTurn(t: Telemetry) {
  return t.turn({ conversationId: 'conv_1', turn: 1, model: 'claude-sonnet-4-6' }, async (span) => {
    span.setAttributes({ 'gen_ai.input.messages': 'Hi, I am sarah@example.com', 'support.note': 'kept' });
    await t.modelCall({ conversationId: 'conv_1', model: 'claude-sonnet-4-6', call: 1 }, async (s) => {
      s.setAttributes({ 'gen_ai.output.messages': 'secret model text' });
      t.modelUsage({
        model: 'claude-sonnet-4-6',
        inputTokens: 741,
        outputTokens: 163,
        cacheReadTokens: 0,
        cacheWriteTokens: 1300,
        latencyMs: 640,
        ok: true,
      });
    });
    t.proposal({
      conversationId: 'conv_1',
      toolUseId: 'toolu_1',
      tool: 'get_customer',
      state: 'unverified',
      decision: 'accepted',
      code: null,
      invariant: null,
      source: 'model',
    });
    t.proposal({
      conversationId: 'conv_1',
      toolUseId: 'toolu_2',
      tool: 'process_refund',
      state: 'verified',
      decision: 'rejected',
      code: 'NOT_CHECKED',
      invariant: 'I2',
      source: 'model',
    });
    t.refund({ status: 'done', amountCents: 8999 });
    t.escalation({ priority: 'P2', reason: 'limit_exceeded', source: 'machine' });
    t.turnEnded({ conversationId: 'conv_1', state: 'verified', status: 'open', modelCalls: 1, durationMs: 900 });
    return 'reply';
  });
}

const byName = (spans: ReadableSpan[], prefix: string) => spans.filter((s) => s.name.startsWith(prefix));

describe('the telemetry adapter', () => {
  it('emits one JSON log line per machine decision: state, proposal, decision, invariant', async () => {
    const f = fixture();
    expect(await aTurn(f.telemetry)).toBe('reply');
    const decisions = f.logs.lines().filter((l) => l.msg === 'machine decision');
    expect(decisions).toEqual([
      expect.objectContaining({
        event: 'machine.decision',
        conversationId: 'conv_1',
        toolUseId: 'toolu_1',
        tool: 'get_customer',
        state: 'unverified',
        decision: 'accepted',
        code: null,
        invariant: null,
        source: 'model',
      }),
      expect.objectContaining({
        tool: 'process_refund',
        state: 'verified',
        decision: 'rejected',
        code: 'NOT_CHECKED',
        invariant: 'I2',
      }),
    ]);
    expect(f.logs.lines().find((l) => l.msg === 'turn')).toMatchObject({
      conversationId: 'conv_1',
      state: 'verified',
      status: 'open',
      modelCalls: 1,
      durationMs: 900,
    });
    expect(f.logs.raw.join('')).not.toContain('sarah@example.com');
  });

  it('counts turns, model calls, tokens, proposals, refunds and escalations', async () => {
    const f = fixture();
    await aTurn(f.telemetry);
    const text = await f.metrics.text();
    expect(text).toContain('support_turns_total{state="verified",status="open"} 1');
    expect(text).toContain('support_model_calls_total{model="claude-sonnet-4-6",outcome="ok"} 1');
    expect(text).toContain('support_model_tokens_total{model="claude-sonnet-4-6",type="cache_write"} 1300');
    expect(text).toContain(
      'support_proposals_total{tool="get_customer",decision="accepted",invariant="none",source="model"} 1',
    );
    expect(text).toContain(
      'support_proposals_total{tool="process_refund",decision="rejected",invariant="I2",source="model"} 1',
    );
    expect(text).toContain('support_refund_amount_cents_total{status="done"} 8999');
    expect(text).toContain('support_escalations_total{priority="P2",reason="limit_exceeded",source="machine"} 1');
  });

  it('traces the turn as invoke_agent with chat and execute_tool children (GenAI conventions), content left out', async () => {
    const f = fixture();
    await aTurn(f.telemetry);
    const spans = f.exporter.getFinishedSpans();
    const [turn] = byName(spans, 'invoke_agent');
    const [chat] = byName(spans, 'chat ');
    const tools = byName(spans, 'execute_tool ');
    expect(turn?.name).toBe('invoke_agent support-agent');
    expect(chat?.name).toBe('chat claude-sonnet-4-6');
    expect(tools.map((s) => s.name)).toEqual(['execute_tool get_customer', 'execute_tool process_refund']);
    for (const child of [chat!, ...tools]) expect(child.parentSpanContext?.spanId).toBe(turn?.spanContext().spanId);
    expect(turn?.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'support-agent',
      'gen_ai.conversation.id': 'conv_1',
      'gen_ai.request.model': 'claude-sonnet-4-6',
      'support.machine.state': 'verified',
      'support.turn.status': 'open',
      'support.note': 'kept',
    });
    expect(turn?.events.map((e) => e.name)).toEqual(['refund', 'escalation']);
    expect(chat?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.input_tokens': 741,
      'gen_ai.usage.output_tokens': 163,
      'gen_ai.usage.cache_creation.input_tokens': 1300,
    });
    expect(tools[1]?.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'process_refund',
      'gen_ai.tool.call.id': 'toolu_2',
      'support.machine.state': 'verified',
      'support.decision': 'rejected',
      'support.decision.code': 'NOT_CHECKED',
      'support.invariant': 'I2',
    });
    const everything = JSON.stringify(spans.map((s) => s.attributes));
    expect(everything).not.toContain('sarah@example.com');
    expect(everything).not.toContain('secret model text');
    expect(turn?.resource.attributes['service.name']).toBe('support-agent-test');
  });

  it('keeps content in spans with OTEL_CAPTURE_CONTENT=1', async () => {
    const f = fixture(true);
    await aTurn(f.telemetry);
    const [turn] = byName(f.exporter.getFinishedSpans(), 'invoke_agent');
    expect(turn?.attributes['gen_ai.input.messages']).toBe('Hi, I am sarah@example.com');
  });

  it('marks a failing turn and rethrows; an unknown tool is `unknown` in metrics and span names', async () => {
    const f = fixture();
    const failing = f.telemetry.turn({ conversationId: 'conv_2', turn: 3, model: 'offline' }, async () => {
      f.telemetry.proposal({
        conversationId: 'conv_2',
        toolUseId: 't',
        tool: 'drop_tables',
        state: 'verified',
        decision: 'rejected',
        code: 'UNKNOWN_TOOL',
        invariant: null,
        source: 'model',
      });
      throw new TypeError('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    const spans = f.exporter.getFinishedSpans();
    const turn = byName(spans, 'invoke_agent')[0]!;
    expect(turn.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(turn.attributes['error.type']).toBe('TypeError');
    expect(byName(spans, 'execute_tool').map((s) => s.name)).toEqual(['execute_tool unknown']);
    expect(await f.metrics.text()).toContain(
      'support_proposals_total{tool="unknown",decision="rejected",invariant="none",source="model"} 1',
    );
    expect(f.logs.lines().find((l) => l.msg === 'machine decision')).toMatchObject({
      tool: 'unknown',
      proposedTool: 'drop_tables',
    });
  });

  it('creates no spans without an exporter, and still logs and counts', async () => {
    const logs = captureLogs();
    const metrics = createMetrics({ processMetrics: false });
    const telemetry = createTelemetry({ logger: logs.logger, metrics, tracer: createTracing().tracer });
    await aTurn(telemetry);
    expect(logs.lines().filter((l) => l.msg === 'machine decision')).toHaveLength(2);
    expect(await metrics.text()).toContain('support_turns_total{state="verified",status="open"} 1');
  });
});

/**
 * The runtime's Telemetry (src/runtime/telemetry.ts) over pino, prom-client and OpenTelemetry.
 * Spans follow the OpenTelemetry GenAI semantic conventions: a turn is `invoke_agent <agent>`,
 * a model call `chat <model>`, a machine decision `execute_tool <tool>`, with the machine state
 * and the decision as `support.*` attributes. Content (customer or model text) stays out of spans
 * unless content capture is on (OTEL_CAPTURE_CONTENT=1).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { Telemetry, TelemetrySpan } from '../runtime/telemetry.js';
import { maskEmails, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/*
 * GenAI attribute names (semantic-conventions 1.37+). Copied, as OpenTelemetry recommends for
 * incubating conventions: their constants may change in a minor release of the package.
 */
export const GEN_AI = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheWriteTokens: 'gen_ai.usage.cache_creation.input_tokens',
  errorType: 'error.type',
} as const;

/** Attributes that carry text; dropped unless content capture is on. */
export const CONTENT_ATTRIBUTES = new Set([
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.tool.definitions',
]);

export interface TelemetryDeps {
  logger: Logger;
  metrics?: Metrics;
  /** Null or absent: no spans. */
  tracer?: Tracer | null;
  /** OTEL_CAPTURE_CONTENT: let content attributes through (default false). */
  captureContent?: boolean;
  /** Tool names the metrics and span names may carry; any other proposed name becomes `unknown`. */
  knownTools?: readonly string[];
  agentName?: string;
}

interface Scope {
  turn: Span | null;
  model: Span | null;
}

const NO_SPAN: TelemetrySpan = { setAttributes: () => {}, recordError: () => {} };
const providerOf = (model: string) => (model.startsWith('claude') ? 'anthropic' : model);

export function createTelemetry(deps: TelemetryDeps): Telemetry {
  const { logger, metrics } = deps;
  const tracer = deps.tracer ?? null;
  const capture = deps.captureContent ?? false;
  const agent = deps.agentName ?? 'support-agent';
  const known = deps.knownTools ? new Set(deps.knownTools) : null;
  const scope = new AsyncLocalStorage<Scope>();
  // fallback when a call does not run inside the turn's async context (a callback from elsewhere)
  const turnsByConversation = new Map<string, Span>();

  const toolLabel = (tool: string) => (known === null || known.has(tool) ? tool.slice(0, 64) : 'unknown');

  const wrap = (span: Span): TelemetrySpan => ({
    setAttributes(a) {
      const kept: Attributes = {};
      for (const [k, v] of Object.entries(a)) if (capture || !CONTENT_ATTRIBUTES.has(k)) kept[k] = v;
      span.setAttributes(kept);
    },
    recordError(e) {
      const name = e instanceof Error ? e.name : 'Error';
      const message = e instanceof Error ? e.message : String(e);
      span.recordException({ name, message: capture ? message : maskEmails(message).slice(0, 200) });
      span.setAttribute(GEN_AI.errorType, name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: name });
    },
  });

  /** Runs fn in a span; ends it, marking a thrown error. */
  async function inSpan<T>(span: Span, next: Scope, fn: (s: TelemetrySpan) => Promise<T>): Promise<T> {
    const handle = wrap(span);
    try {
      return await scope.run(next, () => fn(handle));
    } catch (error) {
      handle.recordError(error);
      throw error;
    } finally {
      span.end();
    }
  }

  const parentContext = (parent: Span | null | undefined) =>
    parent ? trace.setSpan(context.active(), parent) : context.active();

  return {
    async turn(a, fn) {
      if (!tracer) return fn(NO_SPAN);
      const span = tracer.startSpan(
        `invoke_agent ${agent}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            [GEN_AI.operation]: 'invoke_agent',
            [GEN_AI.agentName]: agent,
            [GEN_AI.conversationId]: a.conversationId,
            [GEN_AI.requestModel]: a.model,
            'support.turn': a.turn,
          },
        },
        context.active(),
      );
      turnsByConversation.set(a.conversationId, span);
      try {
        return await inSpan(span, { turn: span, model: null }, fn);
      } finally {
        if (turnsByConversation.get(a.conversationId) === span) turnsByConversation.delete(a.conversationId);
      }
    },

    async modelCall(a, fn) {
      if (!tracer) return fn(NO_SPAN);
      const turn = scope.getStore()?.turn ?? turnsByConversation.get(a.conversationId) ?? null;
      const span = tracer.startSpan(
        `chat ${a.model}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [GEN_AI.operation]: 'chat',
            [GEN_AI.provider]: providerOf(a.model),
            [GEN_AI.requestModel]: a.model,
            [GEN_AI.conversationId]: a.conversationId,
            'support.model_call': a.call,
          },
        },
        parentContext(turn),
      );
      return inSpan(span, { turn, model: span }, fn);
    },

    proposal(a) {
      const tool = toolLabel(a.tool);
      metrics?.proposal({ tool, decision: a.decision, invariant: a.invariant, source: a.source });
      logger.info(
        {
          event: 'machine.decision',
          conversationId: a.conversationId,
          toolUseId: a.toolUseId.slice(0, 64),
          tool,
          ...(tool === 'unknown' ? { proposedTool: a.tool.slice(0, 64) } : {}),
          state: a.state,
          decision: a.decision,
          code: a.code,
          invariant: a.invariant,
          source: a.source,
        },
        'machine decision',
      );
      if (!tracer) return;
      const turn = scope.getStore()?.turn ?? turnsByConversation.get(a.conversationId) ?? null;
      const attributes: Attributes = {
        [GEN_AI.operation]: 'execute_tool',
        [GEN_AI.toolName]: tool,
        [GEN_AI.toolCallId]: a.toolUseId.slice(0, 64),
        [GEN_AI.toolType]: 'function',
        [GEN_AI.conversationId]: a.conversationId,
        'support.machine.state': a.state,
        'support.decision': a.decision,
        'support.proposal.source': a.source,
      };
      if (a.code) attributes['support.decision.code'] = a.code;
      if (a.invariant) attributes['support.invariant'] = a.invariant;
      tracer.startSpan(`execute_tool ${tool}`, { kind: SpanKind.INTERNAL, attributes }, parentContext(turn)).end();
    },

    modelUsage(a) {
      metrics?.modelCall({ model: a.model, ok: a.ok, latencyMs: a.latencyMs });
      metrics?.tokens({
        model: a.model,
        input: a.inputTokens,
        output: a.outputTokens,
        cacheRead: a.cacheReadTokens,
        cacheWrite: a.cacheWriteTokens,
      });
      logger.debug({ event: 'model.call', ...a }, 'model call');
      const span = scope.getStore()?.model;
      if (!span) return;
      span.setAttributes({
        [GEN_AI.inputTokens]: a.inputTokens,
        [GEN_AI.outputTokens]: a.outputTokens,
        [GEN_AI.cacheReadTokens]: a.cacheReadTokens,
        [GEN_AI.cacheWriteTokens]: a.cacheWriteTokens,
        'support.latency_ms': a.latencyMs,
      });
      if (!a.ok) span.setAttribute(GEN_AI.errorType, 'model_call_failed');
    },

    refund(a) {
      metrics?.refund(a);
      logger.info({ event: 'refund', status: a.status, amountCents: a.amountCents }, 'refund');
      scope
        .getStore()
        ?.turn?.addEvent('refund', { 'support.refund.status': a.status, 'support.refund.amount_cents': a.amountCents });
    },

    escalation(a) {
      metrics?.escalation(a);
      logger.info({ event: 'escalation', priority: a.priority, reason: a.reason, source: a.source }, 'escalation');
      scope.getStore()?.turn?.addEvent('escalation', {
        'support.escalation.priority': a.priority,
        'support.escalation.reason': a.reason,
        'support.escalation.source': a.source,
      });
    },

    turnEnded(a) {
      metrics?.turn({ state: a.state, status: a.status, durationMs: a.durationMs });
      logger.info({ event: 'turn', ...a }, 'turn');
      const span = scope.getStore()?.turn ?? turnsByConversation.get(a.conversationId);
      span?.setAttributes({
        'support.machine.state': a.state,
        'support.turn.status': a.status,
        'support.turn.model_calls': a.modelCalls,
        'support.turn.duration_ms': a.durationMs,
      });
    },
  };
}

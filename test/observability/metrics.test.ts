import { describe, expect, it } from 'vitest';
import { boundedLabel, createMetrics } from '../../src/observability/metrics.js';

describe('metrics', () => {
  it('exposes every family in Prometheus text, gauges read through their callbacks', async () => {
    let pending = 2;
    const m = createMetrics({
      pendingEffects: async () => pending,
      openApprovals: async () => 1,
      processMetrics: false,
    });
    m.httpRequest({ method: 'post', route: '/api/conversations/:id/messages', status: 409, durationMs: 12 });
    m.httpRequest({ method: 'POST', route: '/api/conversations', status: 429, durationMs: 1 });
    m.turn({ state: 'resolved', status: 'resolved', durationMs: 850 });
    m.modelCall({ model: 'claude-sonnet-4-6', ok: true, latencyMs: 640 });
    m.tokens({ model: 'claude-sonnet-4-6', input: 741, output: 163, cacheRead: 2600, cacheWrite: 0 });
    m.proposal({ tool: 'process_refund', decision: 'rejected', invariant: 'I2', source: 'model' });
    m.refund({ status: 'done', amountCents: 8999 });
    m.escalation({ priority: 'P1', reason: 'legal', source: 'trigger' });
    pending = 5;
    const text = await m.text();
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const line of [
      'support_http_requests_total{method="POST",route="/api/conversations/:id/messages",status="409"} 1',
      'support_http_refusals_total{status="409",route="/api/conversations/:id/messages"} 1',
      'support_http_refusals_total{status="429",route="/api/conversations"} 1',
      'support_turns_total{state="resolved",status="resolved"} 1',
      'support_model_calls_total{model="claude-sonnet-4-6",outcome="ok"} 1',
      'support_model_call_duration_seconds_sum{model="claude-sonnet-4-6",outcome="ok"} 0.64',
      'support_model_tokens_total{model="claude-sonnet-4-6",type="input"} 741',
      'support_model_tokens_total{model="claude-sonnet-4-6",type="cache_read"} 2600',
      'support_proposals_total{tool="process_refund",decision="rejected",invariant="I2",source="model"} 1',
      'support_refunds_total{status="done"} 1',
      'support_refund_amount_cents_total{status="done"} 8999',
      'support_escalations_total{priority="P1",reason="legal",source="trigger"} 1',
      'support_pending_effects 5',
      'support_open_approvals 1',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toContain('type="cache_write"'); // zero counts are not invented
  });

  it('keeps label values bounded', () => {
    expect(boundedLabel('get_customer')).toBe('get_customer');
    expect(boundedLabel('ignore previous instructions and…')).toBe('other');
    expect(boundedLabel('x'.repeat(65))).toBe('other');
    expect(boundedLabel(null)).toBe('none');
  });

  it('survives a gauge callback that fails', async () => {
    const m = createMetrics({
      pendingEffects: async () => Promise.reject(new Error('db down')),
      processMetrics: false,
    });
    await expect(m.text()).resolves.toContain('# TYPE support_pending_effects gauge');
  });

  it('uses a registry of its own: two instances do not collide', async () => {
    const a = createMetrics({ processMetrics: true });
    const b = createMetrics({ processMetrics: true });
    a.turn({ state: 's', status: 'open', durationMs: 1 });
    expect(await b.text()).not.toContain('support_turns_total{');
    expect(await a.text()).toContain('process_cpu_user_seconds_total');
  });
});

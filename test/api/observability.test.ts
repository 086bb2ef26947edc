/** The HTTP side of observability: one log line per request, X-Request-Id, /metrics, errors through the logger. */
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.js';
import { text } from '../support/scripted-model.js';
import { captureLogs } from '../observability/log-capture.js';
import { bearer, buildApi, expectProblem, json, startConversation, type ApiFixture } from './api-harness.js';

const ADMIN = 'operator-token-0123456789abcdef';
let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

describe('request logging', () => {
  it('writes one JSON line per request with request id, route pattern, method, status, duration, conversation id', async () => {
    const logs = captureLogs();
    fx = await buildApi([[text('Hello.')]], { logger: logs.logger });
    const c = await startConversation(fx.app);
    logs.raw.length = 0;
    const res = await fx.app.request(
      `/api/conversations/${c.conversation_id}/messages`,
      json({ message: 'my email is sarah@example.com' }, { ...bearer(c.token), 'X-Request-Id': 'req-abc_123' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-abc_123');
    const requests = logs.lines().filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      level: 'info',
      reqId: 'req-abc_123',
      method: 'POST',
      route: '/api/conversations/:id/messages',
      status: 200,
      conversationId: c.conversation_id,
      durationMs: expect.any(Number),
    });
    const all = logs.raw.join('');
    expect(all).not.toContain('sarah@example.com');
    expect(all).not.toContain(c.token);
  });

  it('makes a request id when the client sends none or a hostile one', async () => {
    const logs = captureLogs();
    fx = await buildApi([], { logger: logs.logger });
    for (const hostile of ['bad id {"level":"fatal"}', 'x'.repeat(300)]) {
      const res = await fx.app.request('/api/health', { headers: { 'X-Request-Id': hostile } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(logs.lines().find((l) => l.msg === 'request')).toMatchObject({ route: '/api/health', status: 200 });
  });

  it('logs an unexpected error once through the logger, and a broken body at most as one debug line', async () => {
    const logs = captureLogs();
    fx = await buildApi([], {
      logger: logs.logger,
      onUnexpectedError: undefined,
      health: () => {
        throw new Error('SQLITE_CORRUPT at /srv/data/support.db');
      },
    });
    await expectProblem(await fx.app.request('/api/health'), 500);
    const errors = logs.lines().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'unexpected API error', reqId: expect.any(String) });

    logs.raw.length = 0;
    const body = new ReadableStream<Uint8Array>({ pull: (ctrl) => ctrl.error(new Error('aborted')) });
    const res = await fx.app.request('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      body,
      duplex: 'half',
    });
    await expectProblem(res, 400);
    const lines = logs.lines().filter((l) => l.msg !== 'request');
    expect(lines.length).toBeLessThanOrEqual(1);
    for (const l of lines) expect(l.level).toBe('debug');
    expect(logs.raw.join('')).not.toMatch(/\bat .*:\d+:\d+/);
  });
});

describe('GET /metrics', () => {
  it('answers Prometheus text behind the operator token, with the 409s and 429s the middleware counted', async () => {
    const metrics = createMetrics({ pendingEffects: async () => 3, processMetrics: false });
    fx = await buildApi([], { adminToken: ADMIN, metrics, logger: captureLogs().logger });
    await expectProblem(await fx.app.request('/metrics'), 401);
    await fx.app.request('/api/health');
    const res = await fx.app.request('/metrics', { headers: bearer(ADMIN) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body).toContain('support_http_requests_total{method="GET",route="/api/health",status="200"} 1');
    expect(body).toContain('support_pending_effects 3');
  });

  it('is absent when operator endpoints are disabled', async () => {
    fx = await buildApi([], { adminToken: null, metrics: createMetrics({ processMetrics: false }) });
    await expectProblem(await fx.app.request('/metrics'), 404);
  });
});

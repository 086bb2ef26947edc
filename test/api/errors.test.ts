import { afterEach, describe, expect, it } from 'vitest';
import { toProblem } from '../../src/api/problem.js';
import { RateLimitedError } from '../../src/runtime/limits.js';
import { bearer, buildApi, expectProblem, startConversation, type ApiFixture } from './api-harness.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

describe('errors are RFC 9457 problem+json', () => {
  it('answers 413 for a body over the limit, on any route', async () => {
    fx = await buildApi([], { maxBodyBytes: 1024 });
    const c = await startConversation(fx.app);
    const huge = JSON.stringify({ message: 'x'.repeat(5000) });
    for (const path of [
      `/api/conversations/${c.conversation_id}/messages`,
      '/api/chat',
      '/api/conversations',
      '/api/nowhere',
    ]) {
      const res = await fx.app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...bearer(c.token) },
        body: huge,
      });
      const problem = await expectProblem(res, 413);
      expect(problem.detail).toMatch(/at most 1024 bytes/);
    }
  });

  it('answers 413 by the declared Content-Length too', async () => {
    fx = await buildApi();
    const res = await fx.app.request('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(1_000_000) },
      body: '{}',
    });
    await expectProblem(res, 413);
  });

  it('answers 400 for invalid JSON', async () => {
    fx = await buildApi();
    const c = await startConversation(fx.app);
    const res = await fx.app.request(`/api/conversations/${c.conversation_id}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(c.token) },
      body: '{"message": ',
    });
    const problem = await expectProblem(res, 400);
    expect(problem.detail).toBe('the request body is not valid JSON');
  });

  it('answers 400 for a body that breaks off while it is read, and does not report it as unexpected', async () => {
    fx = await buildApi();
    const c = await startConversation(fx.app);
    for (const path of [`/api/conversations/${c.conversation_id}/messages`, '/api/chat']) {
      // what @hono/node-server hands over when a chunked body is malformed or the client goes away
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
          sent = true;
          controller.enqueue(new TextEncoder().encode('{"message": "hel'));
        },
      });
      const res = await fx.app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', ...bearer(c.token) },
        body,
        duplex: 'half',
      });
      const problem = await expectProblem(res, 400);
      expect(problem.detail).toBe('the request body could not be read');
    }
    expect(fx.unexpected).toEqual([]);
  });

  it('answers 415 for a body that is not JSON', async () => {
    fx = await buildApi();
    const res = await fx.app.request('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    await expectProblem(res, 415);
  });

  it('answers 404 problem for an unknown route', async () => {
    fx = await buildApi();
    const problem = await expectProblem(await fx.app.request('/api/nope'), 404);
    expect(problem).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such endpoint' });
  });

  it('answers 500 with no internal detail for an unexpected error, and reports it server-side (I7)', async () => {
    fx = await buildApi([], {
      health: () => {
        throw new Error('SQLITE_CORRUPT at /srv/data/support.db (secret)');
      },
    });
    const res = await fx.app.request('/api/health');
    const problem = await expectProblem(res, 500);
    const raw = JSON.stringify(problem);
    expect(raw).not.toMatch(/SQLITE|secret|support\.db|stack/i);
    expect(fx.unexpected).toHaveLength(1);
  });

  it("maps the runtime's RateLimitedError (verification attempts, tickets) to 429 with Retry-After", () => {
    const mapped = toProblem(new RateLimitedError(12.2));
    expect(mapped).toMatchObject({
      body: { status: 429, title: 'Too Many Requests' },
      headers: { 'Retry-After': '13' },
    });
    expect(mapped.unexpected).toBe(false);
    expect(mapped.body.detail).not.toMatch(/\d/);
  });

  it('answers 503 with Retry-After once the runtime is draining', async () => {
    fx = await buildApi();
    const c = await startConversation(fx.app);
    await fx.h.runtime.drain(1_000);
    const res = await fx.app.request(`/api/conversations/${c.conversation_id}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(c.token) },
      body: JSON.stringify({ message: 'hello' }),
    });
    await expectProblem(res, 503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

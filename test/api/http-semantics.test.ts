import { afterEach, describe, expect, it } from 'vitest';
import { wantsEventStream } from '../../src/api/turn-stream.js';
import { text } from '../support/scripted-model.js';
import { bearer, buildApi, expectProblem, json, startConversation, type ApiFixture } from './api-harness.js';

const ADMIN = 'operator-token-0123456789abcdef';
let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

describe('Cache-Control: no-store', () => {
  it('is on every response that carries a new token, a conversation or an operator list', async () => {
    fx = await buildApi([[text('Hello.')], [text('Hello.')], [text('Hello.')]], { adminToken: ADMIN });
    const created = await fx.app.request('/api/conversations', { method: 'POST' });
    expect(created.headers.get('cache-control')).toBe('no-store');
    const c = await startConversation(fx.app);
    const responses = [
      await fx.app.request(`/api/conversations/${c.conversation_id}`, { headers: bearer(c.token) }),
      await fx.app.request(
        `/api/conversations/${c.conversation_id}/messages`,
        json({ message: 'hi' }, bearer(c.token)),
      ),
      await fx.app.request('/api/chat', json({ message: 'hi' })),
      await fx.app.request('/api/chat/stream?message=hi'),
      await fx.app.request('/api/refunds', { headers: bearer(ADMIN) }),
      await fx.app.request('/api/tickets', { headers: bearer(ADMIN) }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      await res.arrayBuffer();
    }
  });
});

describe('a known path with the wrong method', () => {
  it('answers 405 problem+json with Allow', async () => {
    fx = await buildApi();
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/api/conversations', 'POST'],
      ['GET', '/api/conversations', 'POST'],
      ['GET', '/api/chat', 'POST'],
      ['POST', '/api/health', 'GET, HEAD'],
      ['PUT', '/api/conversations/conv_1/messages', 'POST'],
      ['POST', '/api/conversations/conv_1', 'GET, HEAD, DELETE'],
      ['POST', '/api/refunds', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await fx.app.request(path, { method });
      await expectProblem(res, 405);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
  });

  it('still answers 404 for a path that does not exist', async () => {
    fx = await buildApi();
    await expectProblem(await fx.app.request('/api/nowhere', { method: 'DELETE' }), 404);
  });
});

describe('Accept and server-sent events', () => {
  it('honours q-values: q=0 refuses the stream; a higher q for JSON prefers JSON', () => {
    expect(wantsEventStream('text/event-stream')).toBe(true);
    expect(wantsEventStream('text/event-stream;q=0')).toBe(false);
    expect(wantsEventStream('text/event-stream; q=0.000')).toBe(false);
    expect(wantsEventStream('TEXT/Event-Stream;charset=utf-8;q=0.5')).toBe(true);
    expect(wantsEventStream('application/json;q=0.5, text/event-stream')).toBe(true);
    expect(wantsEventStream('text/event-stream;q=0.2, application/json')).toBe(false);
    expect(wantsEventStream('application/json, text/event-stream')).toBe(true);
    expect(wantsEventStream('*/*')).toBe(false);
    expect(wantsEventStream(undefined)).toBe(false);
  });

  it('answers JSON to Accept: text/event-stream;q=0', async () => {
    fx = await buildApi([[text('Hello.')]]);
    const c = await startConversation(fx.app);
    const res = await fx.app.request(
      `/api/conversations/${c.conversation_id}/messages`,
      json({ message: 'hi' }, { ...bearer(c.token), Accept: 'text/event-stream;q=0' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

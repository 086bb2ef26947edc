import { afterEach, describe, expect, it } from 'vitest';
import { text, toolUse } from '../support/scripted-model.js';
import { ChatResponseSchema, type ChatEvent } from '../../src/api/chat-compat.js';
import { buildApi, expectProblem, json, parseSse, readJson, type ApiFixture } from './api-harness.js';

const chatBody = (res: Response) => readJson(res, ChatResponseSchema);
const find = <K extends ChatEvent['event_type']>(events: ChatEvent[], type: K) =>
  events.find((e): e is Extract<ChatEvent, { event_type: K }> => e.event_type === type);

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

// a random id (the guessable ones are refused: test/api/session-id.test.ts)
const SESSION = 'hL2v6y0Qm1kq3y8Zr5bWcT9xJd4sNfAe';

describe('prototype compatibility: POST /api/chat', () => {
  it('makes a random url-safe session id when none is sent and returns prototype events', async () => {
    fx = await buildApi([[toolUse('get_customer', { email: 'sarah@example.com' })], [text('Thanks Sarah.')]]);
    const res = await fx.app.request('/api/chat', json({ message: 'I am sarah@example.com' }));
    expect(res.status).toBe(200);
    const body = await chatBody(res);
    expect(body.session_id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const call = find(body.events, 'tool_call');
    expect(call).toMatchObject({
      event_type: 'tool_call',
      tool_name: 'get_customer',
      tool_input: { email: 'sarah@example.com' },
    });
    expect(call?.tool_use_id).toEqual(expect.any(String));
    expect(find(body.events, 'tool_result')).toMatchObject({ tool_use_id: call?.tool_use_id, is_error: false });
    expect(body.events).toContainEqual({ event_type: 'text', content: expect.stringContaining('Thanks Sarah') });
    for (const e of body.events) expect(['text', 'tool_call', 'tool_result', 'error']).toContain(e.event_type);
  });

  it('continues the same conversation for the same session id', async () => {
    fx = await buildApi([
      [toolUse('get_customer', { email: 'sarah@example.com' })],
      [text('Verified.')],
      [toolUse('lookup_order', { order_id: 'ORD-8842' })],
      [text('Found it.')],
    ]);
    const first = await fx.app.request('/api/chat', json({ session_id: SESSION, message: 'sarah@example.com' }));
    expect((await chatBody(first)).session_id).toBe(SESSION);
    const second = await chatBody(
      await fx.app.request('/api/chat', json({ session_id: SESSION, message: 'order ORD-8842' })),
    );
    expect(find(second.events, 'tool_call')).toMatchObject({ tool_name: 'lookup_order' });
    expect(find(second.events, 'tool_result')).toMatchObject({ is_error: false }); // the lookup was allowed: the customer verified in turn 1
  });

  it('maps a rejected proposal to a tool_result with is_error and the reason as result', async () => {
    fx = await buildApi([
      [toolUse('lookup_order', { order_id: 'ORD-8842' })],
      [text('Could you give me your email first?')],
    ]);
    const body = await chatBody(
      await fx.app.request('/api/chat', json({ session_id: SESSION, message: 'order ORD-8842' })),
    );
    const call = find(body.events, 'tool_call');
    expect(find(body.events, 'tool_result')).toMatchObject({
      tool_use_id: call?.tool_use_id,
      is_error: true,
      result: expect.stringMatching(/\w+ \w+/),
    });
  });

  it('refuses a guessable session id with a 400 that explains why', async () => {
    fx = await buildApi();
    for (const session_id of ['abc', 'has spaces in it 0123456789', 'x'.repeat(129)]) {
      const problem = await expectProblem(await fx.app.request('/api/chat', json({ session_id, message: 'hi' })), 400);
      expect(problem.detail).toMatch(/unguessable/);
    }
    for (const session_id of ['aaaaaaaaaaaaaaaa', '1212121212121212']) {
      const problem = await expectProblem(await fx.app.request('/api/chat', json({ session_id, message: 'hi' })), 400);
      expect(problem.detail).toMatch(/guessable/);
    }
  });
});

describe('prototype compatibility: GET /api/chat/stream', () => {
  it('streams data-only events ending with {"event_type": "done"}', async () => {
    fx = await buildApi([[toolUse('get_customer', { email: 'sarah@example.com' })], [text('Thanks Sarah.')]]);
    const res = await fx.app.request(
      `/api/chat/stream?session_id=${SESSION}&message=${encodeURIComponent('I am sarah@example.com')}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const messages = parseSse(await res.text());
    expect(messages.every((m) => m.event === null)).toBe(true);
    const events = messages.map((m) => JSON.parse(m.data));
    expect(events.map((e) => e.event_type)).toEqual(['tool_call', 'tool_result', 'text', 'done']);
    expect(events[0]).toMatchObject({ tool_name: 'get_customer' });
    expect(events.at(-1)).toEqual({ event_type: 'done' });
  });

  it('returns a made-up session id in X-Session-Id when none is given', async () => {
    fx = await buildApi([[text('Hello! What is your email?')]]);
    const res = await fx.app.request('/api/chat/stream?message=hello');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-session-id')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const events = parseSse(await res.text()).map((m) => JSON.parse(m.data));
    expect(events.at(-1)).toEqual({ event_type: 'done' });
  });

  it('answers 400 problem+json for a missing message', async () => {
    fx = await buildApi();
    await expectProblem(await fx.app.request(`/api/chat/stream?session_id=${SESSION}`), 400);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { text, toolUse } from '../support/scripted-model.js';
import { z } from 'zod';
import { ConversationViewSchema, TurnResultSchema } from '../../src/api/schemas.js';
import {
  bearer,
  buildApi,
  expectProblem,
  gatedModel,
  json,
  parseSse,
  readJson,
  startConversation,
  type ApiFixture,
} from './api-harness.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

const verifySarah = () => [
  [toolUse('get_customer', { email: 'sarah@example.com' })],
  [text('Thanks Sarah, you are verified. Which order is it about?')],
];

describe('POST /api/conversations', () => {
  it('creates a conversation with an unguessable token and its initial state', async () => {
    fx = await buildApi();
    const res = await fx.app.request('/api/conversations', { method: 'POST' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await readJson(
      res,
      z.strictObject({ conversation_id: z.string(), token: z.string(), state: z.string() }),
    );
    expect(body.conversation_id).toMatch(/^conv_/);
    expect(body.token.length).toBeGreaterThanOrEqual(22); // ≥128 bits in base64url
    expect(body.state).toBe('unverified');
  });
});

describe('POST /api/conversations/:id/messages', () => {
  it('answers a turn as JSON with the reply, state, status, events and usage', async () => {
    fx = await buildApi(verifySarah());
    const c = await startConversation(fx.app);
    const res = await fx.app.request(
      `/api/conversations/${c.conversation_id}/messages`,
      json({ message: 'Hi, I am sarah@example.com' }, bearer(c.token)),
    );
    expect(res.status).toBe(200);
    const body = await readJson(res, TurnResultSchema);
    expect(body.conversation_id).toBe(c.conversation_id);
    expect(body.reply).toContain('verified');
    expect(body.state).toBe('verified');
    expect(body.status).toBe('open');
    const types = body.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['tool_call', 'tool_result', 'text', 'state']));
    expect(body.events.find((e) => e.type === 'tool_call')).toMatchObject({ name: 'get_customer' });
    expect(body.usage.modelCalls).toBe(2);
  });

  it('streams the same turn as server-sent events ending with done carrying the final body', async () => {
    fx = await buildApi(verifySarah());
    const c = await startConversation(fx.app);
    const res = await fx.app.request(
      `/api/conversations/${c.conversation_id}/messages`,
      json({ message: 'Hi, I am sarah@example.com' }, { ...bearer(c.token), Accept: 'text/event-stream' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const messages = parseSse(await res.text());
    const names = messages.map((m) => m.event);
    expect(names.indexOf('tool_call')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('tool_call')).toBeLessThan(names.indexOf('tool_result'));
    expect(names).toContain('text');
    expect(names).toContain('state');
    expect(names.at(-1)).toBe('done');
    for (const m of messages.slice(0, -1)) expect(JSON.parse(m.data).type).toBe(m.event);
    expect(JSON.parse(messages.find((m) => m.event === 'tool_call')?.data ?? '{}')).toMatchObject({
      name: 'get_customer',
      input: { email: 'sarah@example.com' },
    });
    expect(JSON.parse(messages.find((m) => m.event === 'state')?.data ?? '{}')).toMatchObject({
      state: 'verified',
      status: 'open',
    });
    const done = TurnResultSchema.parse(JSON.parse(messages.at(-1)?.data ?? '{}'));
    expect(done).toMatchObject({ conversation_id: c.conversation_id, state: 'verified', status: 'open' });
    expect(done.reply).toContain('verified');
    expect(done.events).toHaveLength(messages.length - 1);
  });

  it('answers problem+json (not a stream) when a streamed turn cannot start', async () => {
    fx = await buildApi();
    const c = await startConversation(fx.app);
    const res = await fx.app.request(
      `/api/conversations/${c.conversation_id}/messages`,
      json({ message: 'hello' }, { ...bearer('not-the-token'), Accept: 'text/event-stream' }),
    );
    await expectProblem(res, 404);
  });

  it('answers 409 with Retry-After while another message of the conversation is in flight', async () => {
    const gated = gatedModel();
    fx = await buildApi(gated.model);
    const c = await startConversation(fx.app);
    const url = `/api/conversations/${c.conversation_id}/messages`;
    const first = fx.app.request(url, json({ message: 'first' }, bearer(c.token)));
    await gated.entered;
    const second = await fx.app.request(url, json({ message: 'second' }, bearer(c.token)));
    const problem = await expectProblem(second, 409);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(problem.detail).toMatch(/being answered/);
    gated.release();
    expect((await first).status).toBe(200);
    // the lease is released: the next message goes through
    expect((await fx.app.request(url, json({ message: 'third' }, bearer(c.token)))).status).toBe(200);
  });

  it('survives a client that disconnects mid-stream: the turn ends and the conversation stays usable', async () => {
    const gated = gatedModel();
    fx = await buildApi(gated.model);
    const c = await startConversation(fx.app);
    const url = `/api/conversations/${c.conversation_id}/messages`;
    const client = new AbortController();
    const pending = fx.app.request(url, {
      ...json({ message: 'hello' }, { ...bearer(c.token), Accept: 'text/event-stream' }),
      signal: client.signal,
    });
    await gated.entered;
    client.abort();
    gated.release();
    const res = await pending;
    await res.body?.cancel();
    expect(await fx.h.runtime.drain(5_000)).toBe(true);
    expect(fx.unexpected).toEqual([]);
    const view = await fx.app.request(`/api/conversations/${c.conversation_id}`, { headers: bearer(c.token) });
    expect(view.status).toBe(200);
  });

  it('rejects an empty or oversized message with a plain 400', async () => {
    fx = await buildApi();
    const c = await startConversation(fx.app);
    const url = `/api/conversations/${c.conversation_id}/messages`;
    const empty = await expectProblem(await fx.app.request(url, json({ message: '' }, bearer(c.token))), 400);
    expect(empty.detail).toMatch(/message must not be empty/);
    const long = await expectProblem(
      await fx.app.request(url, json({ message: 'x'.repeat(4001) }, bearer(c.token))),
      400,
    );
    expect(long.detail).toMatch(/at most 4000 characters/);
    const missing = await expectProblem(await fx.app.request(url, json({ text: 'hi' }, bearer(c.token))), 400);
    expect(missing.detail).toMatch(/message is required/);
  });
});

describe('GET /api/conversations/:id', () => {
  it('shows messages and every proposal with its state, decision and reason', async () => {
    fx = await buildApi([
      [toolUse('lookup_order', { order_id: 'ORD-8842' })],
      [toolUse('get_customer', { email: 'sarah@example.com' })],
      [text('Thanks Sarah, you are verified.')],
    ]);
    const c = await startConversation(fx.app);
    const sent = await fx.app.request(
      `/api/conversations/${c.conversation_id}/messages`,
      json({ message: 'I am sarah@example.com, order ORD-8842' }, bearer(c.token)),
    );
    expect(sent.status).toBe(200);
    const res = await fx.app.request(`/api/conversations/${c.conversation_id}`, { headers: bearer(c.token) });
    expect(res.status).toBe(200);
    const view = await readJson(res, ConversationViewSchema);
    expect(view).toMatchObject({ conversation_id: c.conversation_id, state: 'verified', status: 'open' });
    expect(view.messages.map((m) => m.role)).toEqual(['customer', 'agent']);
    expect(view.proposals).toHaveLength(2);
    const [lookup, verify] = view.proposals;
    expect(lookup).toMatchObject({ tool: 'lookup_order', state: 'unverified', decision: 'rejected' });
    expect(lookup?.reason).toMatch(/\w+ \w+/); // a sentence a human can read
    expect(verify).toMatchObject({ tool: 'get_customer', state: 'unverified', decision: 'accepted' });
    expect(view.refunds).toEqual([]);
    expect(view.usage.turns).toBe(1);
  });

  it('answers the same 404 for an unknown id, a wrong token and a missing token', async () => {
    fx = await buildApi();
    const c = await startConversation(fx.app);
    const unknown = await expectProblem(
      await fx.app.request('/api/conversations/conv_doesnotexist', { headers: bearer(c.token) }),
      404,
    );
    const wrong = await expectProblem(
      await fx.app.request(`/api/conversations/${c.conversation_id}`, { headers: bearer(`${c.token}x`) }),
      404,
    );
    const missing = await expectProblem(await fx.app.request(`/api/conversations/${c.conversation_id}`), 404);
    expect(wrong).toEqual(unknown);
    expect(missing).toEqual(unknown);
    const send = await expectProblem(
      await fx.app.request('/api/conversations/conv_doesnotexist/messages', json({ message: 'hi' }, bearer(c.token))),
      404,
    );
    expect(send).toEqual(unknown);
  });
});

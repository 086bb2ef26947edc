/**
 * Audit defect: conversation tokens never expired and could not be revoked. Now a customer ends a
 * conversation (its token opens nothing), and the sweep purges idle conversations with their tokens
 * while refunds, tickets and the audit of money movements stay.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineModel } from '../../src/models/offline.js';
import { FIXED_NOW } from '../support/harness.js';
import { refundsOf } from '../support/assertions.js';
import { bearer, buildApi, json, startConversation, type ApiFixture } from './api-harness.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

describe('conversation tokens', () => {
  it('are revoked when the customer ends the conversation: the token then opens nothing (404)', async () => {
    fx = await buildApi(createOfflineModel());
    const c = await startConversation(fx.app);
    const path = `/api/conversations/${c.conversation_id}`;
    expect((await fx.app.request(path, { headers: bearer(c.token) })).status).toBe(200);
    expect((await fx.app.request(path, { method: 'DELETE', headers: bearer(c.token) })).status).toBe(204);
    expect((await fx.app.request(path, { headers: bearer(c.token) })).status).toBe(404);
    expect((await fx.app.request(`${path}/messages`, json({ message: 'hi' }, bearer(c.token)))).status).toBe(404);
    expect((await fx.app.request(path, { method: 'DELETE', headers: bearer(c.token) })).status).toBe(404);
  });

  it('expire with idle conversations, purged by the sweep; refunds and the money audit are kept', async () => {
    let now = FIXED_NOW.getTime();
    fx = await buildApi(
      createOfflineModel(),
      {},
      { clock: () => new Date(now), runtime: { confirmRefunds: true, conversationTtlDays: 30 } },
    );
    const c = await startConversation(fx.app);
    const send = (message: string) =>
      fx!.app.request(`/api/conversations/${c.conversation_id}/messages`, json({ message }, bearer(c.token)));
    await send('Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.');
    await send('yes please');
    expect(await refundsOf(fx.h)).toHaveLength(1);
    const active = await startConversation(fx.app);

    now += 29 * 86_400_000;
    await fx.h.runtime.recoverPendingEffects();
    expect((await fx.app.request(`/api/conversations/${c.conversation_id}`, { headers: bearer(c.token) })).status).toBe(
      200,
    );
    // the second conversation is used now: only the idle one goes
    await fx.app.request(
      `/api/conversations/${active.conversation_id}/messages`,
      json({ message: 'hello' }, bearer(active.token)),
    );

    now += 2 * 86_400_000;
    await fx.h.runtime.recoverPendingEffects();
    expect((await fx.app.request(`/api/conversations/${c.conversation_id}`, { headers: bearer(c.token) })).status).toBe(
      404,
    );
    expect(
      (await fx.app.request(`/api/conversations/${active.conversation_id}`, { headers: bearer(active.token) })).status,
    ).toBe(200);
    expect(await refundsOf(fx.h)).toHaveLength(1);
    const effects = (await fx.h.runtime.store.listEvents(c.conversation_id)).map((e) => e.kind);
    expect(effects).toEqual(['effect']);
  });
});

describe('an unknown conversation id and a wrong token', () => {
  it('do the same work: a wrong token never reads the conversation (the audit measured the difference)', async () => {
    fx = await buildApi(createOfflineModel());
    const c = await startConversation(fx.app);
    const store = fx.h.runtime.store;
    const reads: string[] = [];
    const original = store.getConversation.bind(store);
    store.getConversation = async (id) => {
      reads.push(id);
      return original(id);
    };
    expect(
      (await fx.app.request(`/api/conversations/${c.conversation_id}`, { headers: bearer('wrong-token') })).status,
    ).toBe(404);
    expect((await fx.app.request('/api/conversations/conv_nobody', { headers: bearer('wrong-token') })).status).toBe(
      404,
    );
    expect(reads).toEqual([]);
    expect((await fx.app.request(`/api/conversations/${c.conversation_id}`, { headers: bearer(c.token) })).status).toBe(
      200,
    );
    expect(reads).toEqual([c.conversation_id]);
  });
});

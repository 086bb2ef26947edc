/**
 * The operator API over HTTP: the queue, the ORD-7771 approval bound to its request id and digest,
 * 409 problems that list what the machine accepts, 403 for an agent, takeover / reply / handback,
 * and the customer's live event stream resumable with Last-Event-ID.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOperatorDirectory } from '../../src/operators/directory.js';
import { createSqlOperatorAccounts } from '../../src/operators/sql-accounts.js';
import { createOfflineModel } from '../../src/models/offline.js';
import { OperatorViewSchema, QueueSchema } from '../../src/api/schemas.js';
import { bearer, buildApi, json, parseSse, readJson, startConversation, type ApiFixture } from './api-harness.js';

const ADMIN = 'operator-admin-0123456789abcdef';
let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

async function setup() {
  fx = await buildApi(createOfflineModel(), { adminToken: ADMIN }, { runtime: { confirmRefunds: true } });
  const accounts = createSqlOperatorAccounts(fx.h.db);
  const agent = await accounts.add('Ana Lima', 'agent');
  // the same app, now with named operators and the admin token
  const { createApp } = await import('../../src/api/app.js');
  const app = createApp({
    runtime: fx.h.runtime,
    adminToken: ADMIN,
    operators: createOperatorDirectory({ accounts, adminToken: ADMIN }),
    health: () => ({ status: 'ok', model: 'offline', store: 'sqlite', tools: [] }),
    livePollMs: 20,
  });
  return { app, agentToken: agent.token };
}

const say = (
  app: Awaited<ReturnType<typeof setup>>['app'],
  c: { conversation_id: string; token: string },
  message: string,
) => app.request(`/api/conversations/${c.conversation_id}/messages`, json({ message }, bearer(c.token)));

/** Reads an SSE response until `enough` holds, then lets go. */
async function readLive(res: Response, enough: (events: ReturnType<typeof parseSse>) => boolean) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!enough(parseSse(text))) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return { events: parseSse(text), ids: [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])) };
}

describe('operators over HTTP', () => {
  it('approves ORD-7771 with the request id and digest from the queue; the customer’s live stream shows the refund', async () => {
    const { app, agentToken } = await setup();
    const c = await startConversation(app);
    expect((await say(app, c, 'Email james@example.com. ORD-7771 never arrived, I want my money back.')).status).toBe(
      200,
    );
    expect((await say(app, c, 'yes please')).status).toBe(200);

    const queue = await readJson(await app.request('/api/operator/queue', { headers: bearer(ADMIN) }), QueueSchema);
    const item = queue.items.find((i) => i.conversation_id === c.conversation_id)!;
    expect(item).toMatchObject({ kind: 'approval', priority: 'P2', approval: { order_id: 'ORD-7771', amount: 400 } });

    // an agent may not approve: 403, with what the machine accepts
    const path = `/api/operator/conversations/${c.conversation_id}/approvals/${item.approval!.request_id}`;
    const byAgent = await app.request(
      path,
      json({ decision: 'approve', digest: item.approval!.digest }, bearer(agentToken)),
    );
    expect(byAgent.status).toBe(403);
    // a wrong digest: 409 listing the allowed events
    const wrong = await app.request(path, json({ decision: 'approve', digest: 'f'.repeat(64) }, bearer(ADMIN)));
    expect(wrong.status).toBe(409);
    const problem = z.object({ state: z.string(), allowed: z.array(z.string()) }).parse(await wrong.json());
    expect(problem).toMatchObject({
      state: 'awaiting-approval',
      allowed: expect.arrayContaining(['operator.approve']),
    });

    // the customer follows the conversation live while the supervisor approves
    const live = await app.request(`/api/conversations/${c.conversation_id}/events`, { headers: bearer(c.token) });
    expect(live.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const ok = await app.request(path, json({ decision: 'approve', digest: item.approval!.digest }, bearer(ADMIN)));
    expect(ok.status).toBe(200);
    expect((await readJson(ok, OperatorViewSchema)).state).toBe('resolved');
    const { events } = await readLive(
      live,
      (all) =>
        all.some((e) => e.event === 'refund' && e.data.includes('processed')) &&
        all.some((e) => e.event === 'message' && e.data.includes('approved your refund')),
    );
    const refund = events.find((e) => e.event === 'refund');
    expect(JSON.parse(refund!.data)).toMatchObject({ order_id: 'ORD-7771', amount: 400, status: 'processed' });
    const notices = events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data));
    expect(notices.some((m) => m.role === 'system' && /approved your refund/.test(m.text))).toBe(true);
  });

  it('takes over, replies as a person and hands back; the stream resumes exactly after Last-Event-ID', async () => {
    const { app, agentToken } = await setup();
    const c = await startConversation(app);
    await say(app, c, "Hi, I'm sarah@example.com");
    const base = `/api/operator/conversations/${c.conversation_id}`;
    expect((await app.request(`${base}/takeover`, { method: 'POST', headers: bearer(agentToken) })).status).toBe(200);
    const quiet = await readJson(
      await say(app, c, 'hello? is someone there?'),
      z.object({ reply: z.string(), state: z.string() }),
    );
    expect(quiet).toMatchObject({ reply: '', state: 'human-active' });
    await app.request(`${base}/messages`, json({ message: 'Hi Sarah, Ana here. How can I help?' }, bearer(agentToken)));
    const first = await readLive(
      await app.request(`/api/conversations/${c.conversation_id}/events`, { headers: bearer(c.token) }),
      (all) => all.some((e) => e.event === 'message' && e.data.includes('Ana here')),
    );
    const person = first.events
      .map((e) => (e.event === 'message' ? JSON.parse(e.data) : null))
      .find((m) => m?.role === 'operator');
    expect(person).toMatchObject({ author: 'Ana Lima', text: 'Hi Sarah, Ana here. How can I help?' });
    const lastSeen = first.ids.at(-1)!;

    expect((await app.request(`${base}/handback`, { method: 'POST', headers: bearer(agentToken) })).status).toBe(200);
    const resumed = await readLive(
      await app.request(`/api/conversations/${c.conversation_id}/events`, {
        headers: { ...bearer(c.token), 'Last-Event-ID': String(lastSeen) },
      }),
      (all) =>
        all.some((e) => e.event === 'message' && e.data.includes('handed you back')) &&
        all.some((e) => e.event === 'state' && e.data.includes('"verified"')),
    );
    expect(resumed.ids.every((id) => id > lastSeen)).toBe(true);
    expect(resumed.events.some((e) => e.event === 'state' && JSON.parse(e.data).state === 'verified')).toBe(true);
    // a reply before a takeover is refused with what is allowed
    const early = await app.request(`${base}/messages`, json({ message: 'hi' }, bearer(agentToken)));
    expect(early.status).toBe(409);
  });

  it('answers 404 to a stream with another conversation’s token, and 401 to operator routes without one', async () => {
    const { app } = await setup();
    const a = await startConversation(app);
    const b = await startConversation(app);
    expect(
      (await app.request(`/api/conversations/${a.conversation_id}/events`, { headers: bearer(b.token) })).status,
    ).toBe(404);
    expect((await app.request('/api/operator/queue')).status).toBe(401);
    expect(
      (await app.request(`/api/operator/conversations/${a.conversation_id}`, { headers: bearer('nope') })).status,
    ).toBe(401);
  });
});

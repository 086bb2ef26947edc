/**
 * Humans in the loop across processes on one PostgreSQL database (I14, I15): two supervisors
 * approving the same request through two processes give one refund; a conversation's live events
 * reach a customer following it through the other process; a crash between the approval and the
 * payment is finished exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseOn, pgSuiteName, probePg, type PgTestDatabase } from '../support/pg.js';
import {
  adminGet,
  adminPost,
  json,
  openConversation,
  sendMessage,
  startServer,
  twoServersOnPg,
  type ServerProcess,
} from './server-process.js';

const probe = await probePg();
const JAMES = 'Email james@example.com. My espresso machine ORD-7771 never arrived, I want my money back.';

async function requestApproval(url: string) {
  const conv = await openConversation(url);
  const offered = await json(await sendMessage(url, conv, JAMES));
  expect(offered.awaiting).toMatchObject({ kind: 'confirmation', order_id: 'ORD-7771' });
  const asked = await json(await sendMessage(url, conv, 'yes please'));
  expect(asked.state).toBe('awaiting-approval');
  const queue = await adminGet(url, '/api/operator/queue');
  const item = queue.items.find((i: { conversation_id: string }) => i.conversation_id === conv.id);
  return { conv, approval: item.approval as { request_id: string; digest: string } };
}

describe.skipIf(!probe.ok)(pgSuiteName('operators across two processes on one PostgreSQL database', probe), () => {
  const servers = twoServersOnPg(probe, { SUPPORT_LIVE_POLL_MS: '100' });

  it('gives one refund when two supervisors approve the same request at once through two processes; the other gets 409', async () => {
    const { conv, approval } = await requestApproval(servers.a.url);
    const path = `/api/operator/conversations/${conv.id}/approvals/${approval.request_id}`;
    const body = { decision: 'approve', digest: approval.digest };
    const [x, y] = await Promise.all([adminPost(servers.a.url, path, body), adminPost(servers.b.url, path, body)]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
    const refunds = (await adminGet(servers.b.url, '/api/refunds')).refunds.filter(
      (r: { order_id: string }) => r.order_id === 'ORD-7771',
    );
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: 400, conversation_id: conv.id });
  });

  it('streams a conversation’s live events to a customer following it through the other process', async () => {
    const conv = await openConversation(servers.a.url);
    await sendMessage(servers.a.url, conv, "Hi, I'm sarah@example.com");
    // the customer follows through process b; an operator acts through process a
    const controller = new AbortController();
    const live = await fetch(`${servers.b.url}/api/conversations/${conv.id}/events`, {
      headers: { authorization: `Bearer ${conv.token}` },
      signal: controller.signal,
    });
    expect(live.status).toBe(200);
    expect((await adminPost(servers.a.url, `/api/operator/conversations/${conv.id}/takeover`)).status).toBe(200);
    expect(
      (
        await adminPost(servers.a.url, `/api/operator/conversations/${conv.id}/messages`, {
          message: 'Hello Sarah, this is a person.',
        })
      ).status,
    ).toBe(200);
    const reader = live.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('Hello Sarah, this is a person.')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    expect(text).toContain('event: message');
    expect(text).toContain('"role":"operator"');
    expect(text).toContain('has joined the conversation');
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual([...ids].sort((p, q) => p - q));
  });
});

describe.skipIf(!probe.ok)(pgSuiteName('a crash between the approval and the payment', probe), () => {
  const dbs: PgTestDatabase[] = [];
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await Promise.all(dbs.map((d) => d.cleanup()));
  });

  for (const point of ['before-payment', 'after-payment'] as const) {
    it(`dies at ${point} after the approval; the other process finishes the refund exactly once`, async () => {
      if (!probe.ok) return;
      const db = await createDatabaseOn(probe.adminUrl);
      dbs.push(db);
      const claims = { SUPPORT_EFFECT_CLAIM_MS: '300', SUPPORT_SWEEP_INTERVAL_MS: '100' };
      const dying = await startServer({ DATABASE_URL: db.url, SUPPORT_FAULT: point, ...claims });
      const survivor = await startServer({ DATABASE_URL: db.url, ...claims });
      servers.push(dying, survivor);
      const { conv, approval } = await requestApproval(survivor.url);
      const path = `/api/operator/conversations/${conv.id}/approvals/${approval.request_id}`;
      await expect(adminPost(dying.url, path, { decision: 'approve', digest: approval.digest })).rejects.toThrow();
      expect((await dying.exited).signal).toBe('SIGKILL');
      let view: { state?: string } = {};
      for (let i = 0; i < 150 && view.state !== 'resolved'; i++) {
        view = await json(
          await fetch(`${survivor.url}/api/conversations/${conv.id}`, {
            headers: { authorization: `Bearer ${conv.token}` },
          }),
        );
        if (view.state !== 'resolved') await new Promise((r) => setTimeout(r, 100));
      }
      expect(view.state).toBe('resolved');
      const refunds = (await adminGet(survivor.url, '/api/refunds')).refunds.filter(
        (r: { order_id: string }) => r.order_id === 'ORD-7771',
      );
      expect(refunds).toHaveLength(1);
    });
  }
});

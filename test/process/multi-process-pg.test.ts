/**
 * Several server processes on one PostgreSQL database: racing conversations for one order give
 * exactly one refund and no 5xx; two concurrent turns of one conversation give one turn and one 409;
 * a crash in one process is finished by the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseOn, pgSuiteName, probePg, type PgTestDatabase } from '../support/pg.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { honestRefundModel } from '../support/fake-models.js';
import {
  adminGet,
  json,
  openConversation,
  sendMessage,
  startServer,
  twoServersOnPg,
  type ServerProcess,
} from './server-process.js';

const REFUND_MESSAGE = 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.';
const probe = await probePg();

describe.skipIf(!probe.ok)(pgSuiteName('two server processes on one PostgreSQL database', probe), () => {
  // started together: migrations and demo data from two processes at once; every customer of the race
  // writes from 127.0.0.1, so the per-address quota on email probes is lifted here
  const pair = twoServersOnPg(probe, { SUPPORT_RATE_VERIFY: 'off' });

  it('gives exactly one refund and no 5xx when 20 conversations over 2 processes race for one order', async () => {
    const servers = [pair.a.url, pair.b.url];
    const convs = await Promise.all(Array.from({ length: 20 }, (_, i) => openConversation(servers[i % 2]!)));
    // a conversation may be continued through either process; each customer is offered the refund, then all say yes at once
    const offers = await Promise.all(convs.map((c, i) => sendMessage(servers[(i + 1) % 2]!, c, REFUND_MESSAGE)));
    expect(offers.map((r) => r.status).every((s) => s === 200)).toBe(true);
    for (const offer of await Promise.all(offers.map((r) => json(r))))
      expect(offer.awaiting).toMatchObject({ kind: 'confirmation', order_id: 'ORD-8842', amount: 89.99 });
    const responses = await Promise.all(convs.map((c, i) => sendMessage(servers[i % 2]!, c, 'Yes, go ahead.')));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const bodies = await Promise.all(responses.map((r) => json(r)));
    const refunds = (await adminGet(pair.a.url, '/api/refunds')).refunds.filter(
      (r: { order_id: string }) => r.order_id === 'ORD-8842',
    );
    expect(refunds).toHaveLength(1);
    expect(bodies.filter((x) => x.status === 'resolved')).toHaveLength(1);
    // every other customer is told the truth: the order is already refunded
    for (const body of bodies.filter((x) => x.status !== 'resolved')) expect(body.reply).toMatch(/already/i);
  });
});

describe.skipIf(!probe.ok)(pgSuiteName('one conversation, two processes, two concurrent turns', probe), () => {
  let db: PgTestDatabase;
  let fake: FakeAnthropic;
  let a: ServerProcess;
  let b: ServerProcess;
  let release: () => void = () => {};
  let firstArrived: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    if (!probe.ok) return;
    db = await createDatabaseOn(probe.adminUrl);
    let calls = 0;
    fake = await startFakeAnthropic(async (body) => {
      if (calls++ === 0) {
        firstArrived();
        await gate; // the first turn stays in flight until the test lets it go
      }
      return honestRefundModel(body);
    });
    const env = {
      DATABASE_URL: db.url,
      SUPPORT_MODEL: 'claude',
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_MAX_RETRIES: '0',
    };
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    release();
    await Promise.all([a?.stop(), b?.stop()]);
    await fake?.close();
    await db?.cleanup();
  });

  it('answers the second with 409 and Retry-After while the first is in flight', async () => {
    const conv = await openConversation(a.url);
    const first = sendMessage(a.url, conv, REFUND_MESSAGE);
    await arrived;
    const second = await sendMessage(b.url, conv, 'hello?');
    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.headers.get('content-type')).toContain('application/problem+json');
    release();
    const done = await first;
    expect(done.status).toBe(200);
    expect((await json(done)).awaiting).toMatchObject({ kind: 'confirmation', order_id: 'ORD-8842' });
  });
});

describe.skipIf(!probe.ok)(pgSuiteName('a crash in one process is finished by the other', probe), () => {
  let db: PgTestDatabase;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    if (probe.ok) db = await createDatabaseOn(probe.adminUrl);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await db?.cleanup();
  });

  it('the surviving process sweeps the dead one’s pending refund to exactly one refund', async () => {
    const claims = { SUPPORT_EFFECT_CLAIM_MS: '300', SUPPORT_SWEEP_INTERVAL_MS: '100' };
    const dying = await startServer({ DATABASE_URL: db.url, SUPPORT_FAULT: 'after-payment', ...claims });
    const survivor = await startServer({ DATABASE_URL: db.url, ...claims });
    servers.push(dying, survivor);
    const conv = await openConversation(dying.url);
    expect((await sendMessage(dying.url, conv, REFUND_MESSAGE)).status).toBe(200);
    await expect(sendMessage(dying.url, conv, 'Yes please.')).rejects.toThrow();
    expect((await dying.exited).signal).toBe('SIGKILL');
    // poll (bounded) until the survivor's sweep has recorded the outcome on the conversation
    let view: { status?: string } = {};
    for (let i = 0; i < 150 && view.status !== 'resolved'; i++) {
      view = await json(
        await fetch(`${survivor.url}/api/conversations/${conv.id}`, {
          headers: { authorization: `Bearer ${conv.token}` },
        }),
      );
      if (view.status !== 'resolved') await new Promise((r) => setTimeout(r, 100));
    }
    expect(view.status).toBe('resolved');
    const refunds = (await adminGet(survivor.url, '/api/refunds')).refunds.filter(
      (r: { order_id: string }) => r.order_id === 'ORD-8842',
    );
    expect(refunds).toHaveLength(1);
  });
});

/**
 * One contract suite for the conversation store and the embedded backends, run on SQLite (a temp
 * file) and on PostgreSQL (a throwaway database; skipped, with the reason in the suite name,
 * when SUPPORT_TEST_PG_URL is unset or the server does not answer).
 *
 *   SUPPORT_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run test/store
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDemoData, seedDemoData } from '../../src/backends/embedded/demo-data.js';
import { createEmbeddedBackends } from '../../src/backends/embedded/embedded-backends.js';
import { PaymentDeclinedError, type Backends, type RefundRequest } from '../../src/backends/types.js';
import { DEFAULT_POLICY } from '../../src/policy.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { productParts } from '../support/runtime-parts.js';
import { createPostgresDriver } from '../../src/store/postgres-driver.js';
import { createSqlStore, migrate } from '../../src/store/sql-store.js';
import type { SqlDriver } from '../../src/store/sql.js';
import { createSqliteDriver } from '../../src/store/sqlite-driver.js';
import type { ConversationStore, NewEvent, PersistedConversation } from '../../src/store/types.js';
import { FIXED_NOW, noSleep } from '../support/harness.js';
import { createDatabaseOn, pgSuiteName, probePg } from '../support/pg.js';
import { scriptedModel, text, toolUse } from '../support/scripted-model.js';

/** A fresh empty database and a way to open several drivers ("processes") on it. */
interface FreshDatabase {
  open(): SqlDriver;
  cleanup(): Promise<void>;
}

interface Target {
  name: string;
  /** Null when the target can run; otherwise why it is skipped. */
  reason: string | null;
  freshDatabase(): Promise<FreshDatabase>;
}

const sqliteTarget: Target = {
  name: 'sqlite',
  reason: null,
  async freshDatabase() {
    const dir = mkdtempSync(join(tmpdir(), 'support-store-'));
    return {
      open: () => createSqliteDriver(join(dir, 'support.db')),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const probe = await probePg();
const postgresTarget: Target = {
  name: 'postgres',
  reason: probe.reason,
  async freshDatabase() {
    if (!probe.ok) throw new Error(probe.reason);
    const db = await createDatabaseOn(probe.adminUrl);
    return { open: () => createPostgresDriver(db.url, { max: 5 }), cleanup: () => db.cleanup() };
  },
};

const TARGETS = [sqliteTarget, postgresTarget];

const T0 = Date.parse('2026-11-26T12:00:00.000Z');
const at = (offsetMs = 0) => new Date(T0 + offsetMs).toISOString();
const snap = (value: string, marker = 0) => ({ value, context: { marker } }) as unknown as PersistedConversation;
const ev = (kind: NewEvent['kind'], payload: unknown): NewEvent => ({ kind, payload });

/** Opens drivers on one fresh database and closes them all at the end. */
function openDatabase(target: Target) {
  let fresh: FreshDatabase | undefined;
  const drivers: SqlDriver[] = [];
  return {
    async init() {
      fresh = await target.freshDatabase();
    },
    open(): SqlDriver {
      if (!fresh) throw new Error('database not initialised');
      const d = fresh.open();
      drivers.push(d);
      return d;
    },
    async close() {
      await Promise.allSettled(drivers.map((d) => d.close()));
      await fresh?.cleanup();
    },
  };
}

const IDX = { state: 'start', status: 'open', waiting: false, wakeAt: null } as const;

for (const target of TARGETS) {
  describe.skipIf(target.reason !== null)(pgSuiteName(`store contract on ${target.name}`, target), () => {
    const database = openDatabase(target);
    let driverA: SqlDriver;
    let driverB: SqlDriver;
    let storeA: ConversationStore;
    let storeB: ConversationStore;
    let clockMs = T0;
    const clock = () => new Date(clockMs);

    beforeAll(async () => {
      await database.init();
      driverA = database.open();
      driverB = database.open();
      await migrate(driverA);
      storeA = createSqlStore(driverA, clock);
      storeB = createSqlStore(driverB, clock);
    });
    afterAll(() => database.close());

    async function newConversation(store: ConversationStore = storeA, events: NewEvent[] = []): Promise<string> {
      const id = `conv_${randomUUID()}`;
      await store.createConversation({
        id,
        tokenHash: 'hash',
        machineVersion: 1,
        snapshot: snap('start'),
        now: at(),
        index: IDX,
        events,
      });
      return id;
    }

    describe('migrations', () => {
      it('migrate twice is idempotent and records the schema version once', async () => {
        await migrate(driverA);
        await migrate(driverB);
        const meta = await driverA.all<{ key: string; value: string }>('SELECT key, value FROM meta');
        expect(meta).toEqual([{ key: 'schema_version', value: '2' }]);
      });

      it('migrate + seedDemoData from several drivers at once on a fresh database (a fleet starting) does not fail', async () => {
        const fresh = openDatabase(target);
        await fresh.init();
        try {
          const drivers = [fresh.open(), fresh.open(), fresh.open(), fresh.open()];
          await Promise.all(drivers.map((d) => migrate(d)));
          const rows = await drivers[0]!.all<{ n: number }>('SELECT count(*) AS n FROM meta');
          expect(rows).toEqual([{ n: 1 }]);
          if (target.name === 'postgres') {
            await Promise.all(drivers.map((d) => seedDemoData(d, FIXED_NOW)));
          } else {
            // SQLite serves one process; two drivers in one process must not hold transactions at once (see below)
            for (const d of drivers) await seedDemoData(d, FIXED_NOW);
          }
          const customers = await drivers[1]!.all<{ n: number }>('SELECT count(*) AS n FROM customers');
          expect(customers).toEqual([{ n: allDemoData().customers.length }]);
        } finally {
          await fresh.close();
        }
      });

      it('numbers the events of a schema-1 log, then drops the index only that numbering used', async () => {
        const indexes = async () =>
          (target.name === 'sqlite'
            ? await driverA.all<{ name: string }>(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'",
              )
            : await driverA.all<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'events'")
          ).map((r) => r.name);
        expect(await indexes()).not.toContain('events_by_conversation');
        const id = await newConversation(storeA, [
          ev('customer_message', { text: 'one' }),
          ev('customer_message', { text: 'two' }),
        ]);
        // as a database of schema 1 had it: no numbers, and the index by (conversation_id, seq)
        await driverA.run('UPDATE events SET n = NULL WHERE conversation_id = ?', [id]);
        await driverA.exec('CREATE INDEX events_by_conversation ON events (conversation_id, seq);');
        await migrate(driverA);
        const rows = await driverA.all<{ n: number; payload: string }>(
          'SELECT n, payload FROM events WHERE conversation_id = ? ORDER BY seq',
          [id],
        );
        expect(rows.map((r) => [r.n, JSON.parse(r.payload).text])).toEqual([
          [1, 'one'],
          [2, 'two'],
        ]);
        expect(await indexes()).not.toContain('events_by_conversation');
        expect(await indexes()).toContain('events_by_conversation_n');
      });

      it('reports its dialect and a description without credentials', () => {
        expect(driverA.dialect).toBe(target.name);
        expect(storeA.kind).toBe(target.name);
        expect(driverA.description.startsWith(`${target.name} (`)).toBe(true);
        expect(driverA.description).not.toMatch(/@|password/);
      });

      it('returns integers and counts as JS numbers', async () => {
        const id = await newConversation();
        const rows = await driverA.all<Record<string, unknown>>(
          'SELECT version, turn, (SELECT count(*) FROM conversations) AS n, (SELECT sum(version) FROM conversations) AS s FROM conversations WHERE id = ?',
          [id],
        );
        const row = rows[0]!;
        expect(typeof row.version).toBe('number');
        expect(typeof row.turn).toBe('number');
        expect(typeof row.n).toBe('number');
        expect(typeof row.s).toBe('number');
        expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
        expect(Array.isArray(rows) && Object.getPrototypeOf(rows)).toBe(Array.prototype);
      });
    });

    describe('conversations', () => {
      it('creates and reads a conversation; unknown ids are null', async () => {
        const id = await newConversation();
        const record = await storeB.getConversation(id);
        expect(record).toEqual({
          id,
          version: 1,
          machineVersion: 1,
          snapshot: snap('start'),
          tokenHash: 'hash',
          turn: 0,
          eventCount: 0,
          state: 'start',
          status: 'open',
          waitingSince: null,
          createdAt: at(),
          updatedAt: at(),
        });
        expect(await storeA.getConversation('conv_missing')).toBeNull();
      });

      it('a duplicate conversation id is refused', async () => {
        const id = await newConversation();
        await expect(
          storeB.createConversation({
            id,
            tokenHash: 'x',
            machineVersion: 1,
            snapshot: snap('other'),
            now: at(),
            index: IDX,
            events: [],
          }),
        ).rejects.toThrow();
        expect((await storeA.getConversation(id))?.tokenHash).toBe('hash');
      });

      it('commit is a compare-and-swap: a stale expectedVersion is a conflict and changes nothing', async () => {
        const id = await newConversation();
        const first = await storeA.commit({
          conversationId: id,
          expectedVersion: 1,
          snapshot: snap('one', 1),
          index: IDX,
          turn: 1,
          events: [ev('reply', { text: 'one' })],
        });
        expect(first).toMatchObject({ ok: true, version: 2 });
        const stale = await storeB.commit({
          conversationId: id,
          expectedVersion: 1,
          snapshot: snap('stale', 9),
          index: IDX,
          turn: 9,
          events: [ev('reply', { text: 'stale' })],
          effects: [{ idempotencyKey: `stale:${id}`, kind: 'refund', request: {} }],
        });
        expect(stale).toEqual({ ok: false, reason: 'conflict' });
        const record = await storeA.getConversation(id);
        expect(record).toMatchObject({ version: 2, turn: 1, snapshot: snap('one', 1) });
        expect((await storeA.listEvents(id)).map((e) => e.payload)).toEqual([{ text: 'one' }]);
        expect(await storeA.getEffect(`stale:${id}`)).toBeNull();
        expect(
          await storeB.commit({
            conversationId: 'conv_missing',
            expectedVersion: 1,
            snapshot: snap('x'),
            index: IDX,
            turn: 1,
            events: [],
          }),
        ).toEqual({
          ok: false,
          reason: 'conflict',
        });
      });

      it('appends events in order, with increasing sequence numbers', async () => {
        const id = await newConversation();
        const other = await newConversation();
        await storeA.appendEvents(id, 1, [ev('customer_message', { text: 'hi' }), ev('assistant_message', { n: 1 })]);
        await storeB.appendEvents(other, 1, [ev('customer_message', { text: 'elsewhere' })]);
        await storeA.commit({
          conversationId: id,
          expectedVersion: 1,
          snapshot: snap('s'),
          index: IDX,
          turn: 1,
          events: [ev('proposal', { tool: 'x' }), ev('fact', { a: [1, 2] }), ev('reply', { text: 'bye' })],
        });
        await storeB.appendEvents(id, 2, [ev('usage', { modelCalls: 2 })]);
        await storeB.appendEvents(id, 2, []);
        const events = await storeA.listEvents(id);
        expect(events.map((e) => [e.kind, e.turn, e.payload])).toEqual([
          ['customer_message', 1, { text: 'hi' }],
          ['assistant_message', 1, { n: 1 }],
          ['proposal', 1, { tool: 'x' }],
          ['fact', 1, { a: [1, 2] }],
          ['reply', 1, { text: 'bye' }],
          ['usage', 2, { modelCalls: 2 }],
        ]);
        for (const e of events) {
          expect(typeof e.seq).toBe('number');
          expect(e.conversationId).toBe(id);
        }
        const seqs = events.map((e) => e.seq);
        expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
        expect(new Set(seqs).size).toBe(seqs.length);
      });
    });

    describe('effects', () => {
      it('a duplicate idempotency key fails the whole step: snapshot, events and other effects unchanged', async () => {
        const id = await newConversation();
        const key = `refund:${id}`;
        expect(
          await storeA.commit({
            conversationId: id,
            expectedVersion: 1,
            snapshot: snap('refund-pending', 1),
            index: IDX,
            turn: 1,
            events: [ev('proposal', { n: 1 })],
            effects: [{ idempotencyKey: key, kind: 'refund', request: { orderId: 'ORD-1', amountCents: 100 } }],
          }),
        ).toMatchObject({ ok: true, version: 2 });
        const effect = await storeB.getEffect(key);
        expect(effect).toMatchObject({
          idempotencyKey: key,
          conversationId: id,
          kind: 'refund',
          status: 'pending',
          request: { orderId: 'ORD-1', amountCents: 100 },
          response: null,
          attempts: 0,
        });

        const duplicate = await storeB.commit({
          conversationId: id,
          expectedVersion: 2,
          snapshot: snap('after', 2),
          index: IDX,
          turn: 2,
          events: [ev('proposal', { n: 2 })],
          effects: [
            { idempotencyKey: `ticket:${id}`, kind: 'ticket', request: {} },
            { idempotencyKey: key, kind: 'refund', request: { orderId: 'ORD-1', amountCents: 999 } },
          ],
        });
        expect(duplicate).toEqual({ ok: false, reason: 'duplicate_effect', idempotencyKey: key });
        expect(await storeA.getConversation(id)).toMatchObject({
          version: 2,
          turn: 1,
          snapshot: snap('refund-pending', 1),
        });
        expect((await storeA.listEvents(id)).map((e) => e.payload)).toEqual([{ n: 1 }]);
        expect(await storeA.getEffect(`ticket:${id}`)).toBeNull();
        expect((await storeA.getEffect(key))?.request).toEqual({ orderId: 'ORD-1', amountCents: 100 });
        // the transaction was rolled back cleanly: the driver keeps working
        expect(
          await storeB.commit({
            conversationId: id,
            expectedVersion: 2,
            snapshot: snap('ok', 3),
            index: IDX,
            turn: 2,
            events: [],
          }),
        ).toMatchObject({ ok: true, version: 3 });
      });

      it('completeEffects records the outcome and clears the claim; pending lists only pending effects', async () => {
        const id = await newConversation();
        const done = `done:${id}`;
        const open = `open:${id}`;
        await storeA.commit({
          conversationId: id,
          expectedVersion: 1,
          snapshot: snap('s'),
          index: IDX,
          turn: 1,
          events: [],
          effects: [
            { idempotencyKey: done, kind: 'refund', request: { a: 1 } },
            { idempotencyKey: open, kind: 'ticket', request: { b: 2 } },
          ],
        });
        expect(await storeA.claimEffect(done, 'worker', at(30_000), at())).toBe(true);
        expect((await storeA.listPendingEffects(id)).map((e) => e.idempotencyKey).sort()).toEqual([done, open].sort());
        const result = await storeB.commit({
          conversationId: id,
          expectedVersion: 2,
          snapshot: snap('refunded'),
          index: IDX,
          turn: 1,
          events: [ev('effect', { key: done })],
          completeEffects: [{ idempotencyKey: done, status: 'done', response: { refundId: 'RF-1' } }],
        });
        expect(result).toMatchObject({ ok: true, version: 3 });
        expect(await storeA.getEffect(done)).toMatchObject({
          status: 'done',
          response: { refundId: 'RF-1' },
          attempts: 1,
        });
        expect((await storeA.listPendingEffects(id)).map((e) => e.idempotencyKey)).toEqual([open]);
        // a completed effect can no longer be claimed
        expect(await storeB.claimEffect(done, 'other', at(30_000), at(60_000))).toBe(false);
      });

      it('listPendingEffects filters by conversation and orders by creation', async () => {
        const c1 = await newConversation();
        const c2 = await newConversation();
        clockMs = T0 + 1_000;
        await storeA.commit({
          conversationId: c1,
          expectedVersion: 1,
          snapshot: snap('s'),
          index: IDX,
          turn: 1,
          events: [],
          effects: [{ idempotencyKey: `p1:${c1}`, kind: 'refund', request: {} }],
        });
        clockMs = T0 + 2_000;
        await storeB.commit({
          conversationId: c2,
          expectedVersion: 1,
          snapshot: snap('s'),
          index: IDX,
          turn: 1,
          events: [],
          effects: [{ idempotencyKey: `p2:${c2}`, kind: 'ticket', request: {} }],
        });
        clockMs = T0 + 3_000;
        await storeA.commit({
          conversationId: c1,
          expectedVersion: 2,
          snapshot: snap('s'),
          index: IDX,
          turn: 1,
          events: [],
          effects: [{ idempotencyKey: `p3:${c1}`, kind: 'ticket', request: {} }],
        });
        clockMs = T0;
        expect((await storeB.listPendingEffects(c1)).map((e) => e.idempotencyKey)).toEqual([`p1:${c1}`, `p3:${c1}`]);
        expect((await storeB.listPendingEffects(c2)).map((e) => [e.idempotencyKey, e.conversationId, e.kind])).toEqual([
          [`p2:${c2}`, c2, 'ticket'],
        ]);
        const all = (await storeA.listPendingEffects()).map((e) => e.idempotencyKey);
        expect(all.filter((k) => k.endsWith(c1) || k.endsWith(c2))).toEqual([`p1:${c1}`, `p2:${c2}`, `p3:${c1}`]);
        expect(await storeA.listPendingEffects('conv_missing')).toEqual([]);
      });

      it('claimEffect is exclusive across two store instances; an expired claim can be taken over', async () => {
        const id = await newConversation();
        const key = `claim:${id}`;
        await storeA.commit({
          conversationId: id,
          expectedVersion: 1,
          snapshot: snap('s'),
          index: IDX,
          turn: 1,
          events: [],
          effects: [{ idempotencyKey: key, kind: 'refund', request: {} }],
        });
        expect(await storeA.claimEffect(key, 'proc-a', at(30_000), at())).toBe(true);
        expect(await storeB.claimEffect(key, 'proc-b', at(30_000), at(1_000))).toBe(false);
        expect(await storeA.claimEffect(key, 'proc-a', at(40_000), at(2_000))).toBe(false); // not re-entrant, even for the same holder
        expect(await storeB.claimEffect(key, 'proc-b', at(100_000), at(40_001))).toBe(true); // expired: taken over
        expect(await storeA.claimEffect(key, 'proc-a', at(130_000), at(50_000))).toBe(false);
        await storeA.releaseEffect(key, 'proc-a'); // not the holder: no effect
        expect(await storeA.claimEffect(key, 'proc-a', at(130_000), at(50_000))).toBe(false);
        await storeB.releaseEffect(key, 'proc-b');
        expect(await storeA.claimEffect(key, 'proc-a', at(130_000), at(50_000))).toBe(true);
        expect((await storeB.getEffect(key))?.attempts).toBe(3);
        expect(await storeA.claimEffect('missing', 'proc-a', at(1), at())).toBe(false);
      });

      it('concurrent claims from two instances: exactly one wins', async () => {
        const id = await newConversation();
        const key = `race:${id}`;
        await storeA.commit({
          conversationId: id,
          expectedVersion: 1,
          snapshot: snap('s'),
          index: IDX,
          turn: 1,
          events: [],
          effects: [{ idempotencyKey: key, kind: 'refund', request: {} }],
        });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? storeA : storeB).claimEffect(key, `holder-${i}`, at(30_000), at()),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await storeA.getEffect(key))?.attempts).toBe(1);
      });
    });

    describe('leases', () => {
      it('a second holder is refused until expiry or release; the same holder re-acquires', async () => {
        const id = await newConversation();
        expect(await storeA.acquireLease(id, 'h1', at(60_000), at())).toBe(true);
        expect(await storeB.acquireLease(id, 'h2', at(60_000), at(1_000))).toBe(false);
        expect(await storeA.acquireLease(id, 'h1', at(90_000), at(2_000))).toBe(true); // re-acquire extends
        expect(await storeB.acquireLease(id, 'h2', at(120_000), at(70_000))).toBe(false); // still h1's until +90s
        expect(await storeB.acquireLease(id, 'h2', at(150_000), at(90_001))).toBe(true); // expired
        await storeA.releaseLease(id, 'h1'); // not the holder: no effect
        expect(await storeA.acquireLease(id, 'h3', at(160_000), at(100_000))).toBe(false);
        await storeB.releaseLease(id, 'h2');
        expect(await storeA.acquireLease(id, 'h3', at(160_000), at(100_000))).toBe(true);
        expect(await storeA.acquireLease('conv_missing', 'h1', at(1), at())).toBe(false);
      });

      it('concurrent acquisitions from two instances: exactly one wins', async () => {
        const id = await newConversation();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? storeA : storeB).acquireLease(id, `h${i}`, at(60_000), at())),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('concurrency', () => {
      it('20 concurrent commits with the same expectedVersion: exactly one ok', async () => {
        const id = await newConversation();
        // On SQLite two drivers in one process would stall each other's transactions (a lock held
        // across an await blocks the other connection synchronously for busy_timeout), so the race
        // runs on one driver there; on PostgreSQL it runs on both pools.
        const stores = target.name === 'sqlite' ? [storeA] : [storeA, storeB];
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            stores[i % stores.length]!.commit({
              conversationId: id,
              expectedVersion: 1,
              snapshot: snap('race', i),
              index: IDX,
              turn: 1,
              events: [ev('reply', { i })],
              effects: [{ idempotencyKey: `race:${id}:${i}`, kind: 'ticket', request: { i } }],
            }),
          ),
        );
        const ok = results.filter((r) => r.ok);
        expect(ok).toHaveLength(1);
        expect(ok[0]).toMatchObject({ ok: true, version: 2 });
        expect(results.filter((r) => !r.ok && r.reason === 'conflict')).toHaveLength(19);
        const winner = results.findIndex((r) => r.ok);
        expect(await storeA.getConversation(id)).toMatchObject({ version: 2, snapshot: snap('race', winner) });
        expect((await storeA.listEvents(id)).map((e) => e.payload)).toEqual([{ i: winner }]);
        expect((await storeA.listPendingEffects(id)).map((e) => e.request)).toEqual([{ i: winner }]);
      });
    });

    describe('embedded backends', () => {
      let backendsA: Backends;
      let backendsB: Backends;
      beforeAll(() => {
        backendsA = createEmbeddedBackends(driverA, () => FIXED_NOW);
        backendsB = createEmbeddedBackends(driverB, () => FIXED_NOW);
      });
      const count = async (table: string, where = '', params: Array<string | number> = []) =>
        (await driverA.all<{ n: number }>(`SELECT count(*) AS n FROM ${table} ${where}`, params))[0]!.n;
      const refundRequest = (orderId: string, key: string): RefundRequest => ({
        idempotencyKey: key,
        orderId,
        customerId: 'USR-001',
        amountCents: 8999,
        reason: 'damaged',
        conversationId: 'conv_test',
      });

      it('seedDemoData twice is idempotent and re-anchors the order dates', async () => {
        await seedDemoData(driverA, FIXED_NOW);
        const { customers, orders } = allDemoData();
        const counts = {
          customers: await count('customers'),
          orders: await count('orders'),
          refunds: await count('refunds'),
        };
        expect(counts.customers).toBe(customers.length);
        expect(counts.orders).toBe(orders.length);
        expect(counts.refunds).toBe(orders.filter((o) => o.refunded).length);
        const later = new Date(FIXED_NOW.getTime() + 86_400_000);
        await seedDemoData(driverB, later);
        expect({
          customers: await count('customers'),
          orders: await count('orders'),
          refunds: await count('refunds'),
        }).toEqual(counts);
        const order = await backendsA.orders.getOrder('ord-8842 ');
        expect(order).toMatchObject({
          orderId: 'ORD-8842',
          customerId: 'USR-001',
          amountCents: 8999,
          status: 'delivered',
          kind: 'one_time',
        });
        expect(order?.orderedAt).toBe(new Date(later.getTime() - 8 * 86_400_000).toISOString());
        await seedDemoData(driverA, FIXED_NOW);
        expect((await backendsB.orders.getOrder('ORD-8842'))?.deliveredAt).toBe(
          new Date(FIXED_NOW.getTime() - 4 * 86_400_000).toISOString(),
        );
        expect(await backendsA.crm.findCustomerByEmail(' SARAH@Example.com ')).toEqual({
          customerId: 'USR-001',
          name: 'Sarah Chen',
          email: 'sarah@example.com',
          status: 'active',
          openCaseCount: 0,
        });
        expect((await backendsB.crm.getCustomer('USR-VIP'))?.openCaseCount).toBe(1);
        expect(await backendsA.crm.findCustomerByEmail('nobody@example.com')).toBeNull();
        expect(await backendsA.orders.getOrder('ORD-0000')).toBeNull();
      });

      it('payments.refund is idempotent by key; a second key for the same order is declined', async () => {
        const orderId = `ORD-T-${randomUUID()}`;
        const key = `refund:${orderId}`;
        const first = await backendsA.payments.refund(refundRequest(orderId, key));
        const again = await backendsB.payments.refund(refundRequest(orderId, key));
        expect(again).toEqual(first);
        expect(first).toMatchObject({
          orderId,
          amountCents: 8999,
          idempotencyKey: key,
          createdAt: FIXED_NOW.toISOString(),
        });
        await expect(backendsB.payments.refund(refundRequest(orderId, `${key}:other`))).rejects.toBeInstanceOf(
          PaymentDeclinedError,
        );
        expect(await count('refunds', 'WHERE order_id = ?', [orderId])).toBe(1);
        expect(await backendsA.payments.findRefundByOrder(orderId)).toEqual(first);
        expect(await backendsA.payments.listRefunds({ conversationId: 'conv_test' })).toContainEqual(first);
      });

      it('tickets.open is idempotent by key', async () => {
        const key = `ticket:${randomUUID()}`;
        const req = {
          idempotencyKey: key,
          priority: 'P2' as const,
          reason: 'vip',
          context: 'ctx',
          customerId: null,
          orderId: 'ORD-7771',
          conversationId: `conv_${key}`,
        };
        const first = await backendsA.tickets.open(req);
        expect(await backendsB.tickets.open({ ...req, reason: 'again' })).toEqual(first);
        expect(first).toMatchObject({ priority: 'P2', reason: 'vip', customerId: null, orderId: 'ORD-7771' });
        expect(await backendsA.tickets.listTickets({ conversationId: `conv_${key}` })).toEqual([first]);
      });

      it('text with a NUL character neither fails a write nor a lookup (PostgreSQL TEXT cannot hold U+0000)', async () => {
        const key = `ticket:${randomUUID()}`;
        const ticket = await backendsA.tickets.open({
          idempotencyKey: key,
          priority: 'P3',
          reason: 'other',
          context: 'before\u0000after',
          customerId: null,
          orderId: null,
          conversationId: `conv_${key}`,
        });
        // SQLite keeps the NUL; the PostgreSQL driver stores U+FFFD instead
        expect(ticket.context).toBe(target.name === 'sqlite' ? 'before\u0000after' : 'before\uFFFDafter');
        expect(await backendsB.orders.getOrder('ORD-8842\u0000')).toBeNull();
        expect(await backendsB.crm.findCustomerByEmail('sarah@example.com\u0000')).toBeNull();
        // JSON columns escape it: events round-trip exactly on both
        const id = await newConversation();
        await storeA.appendEvents(id, 1, [ev('customer_message', { text: 'nul\u0000here' })]);
        expect((await storeB.listEvents(id))[0]?.payload).toEqual({ text: 'nul\u0000here' });
      });

      it('20 concurrent refunds for one order with the same key from two drivers: one refunds row', async () => {
        const orderId = `ORD-T-${randomUUID()}`;
        const key = `refund:${orderId}`;
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? backendsA : backendsB).payments.refund(refundRequest(orderId, key)),
          ),
        );
        expect(new Set(results.map((r) => r.refundId)).size).toBe(1);
        expect(await count('refunds', 'WHERE order_id = ?', [orderId])).toBe(1);
      });

      it('20 concurrent refunds for one order with different keys: one succeeds, the others are declined', async () => {
        const orderId = `ORD-T-${randomUUID()}`;
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? backendsA : backendsB).payments.refund(refundRequest(orderId, `refund:${orderId}:${i}`)),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected).toHaveLength(19);
        for (const r of rejected) expect(r.reason).toBeInstanceOf(PaymentDeclinedError);
        expect(await count('refunds', 'WHERE order_id = ?', [orderId])).toBe(1);
      });
    });
  });

  describe.skipIf(target.reason !== null)(
    pgSuiteName(`full conversation through the runtime on ${target.name}`, target),
    () => {
      const database = openDatabase(target);
      afterAll(() => database.close());

      it('verifies the customer, looks up ORD-8842 and refunds it exactly once', async () => {
        await database.init();
        const db = database.open();
        await migrate(db);
        await seedDemoData(db, FIXED_NOW);
        const clock = () => FIXED_NOW;
        const backends = createEmbeddedBackends(db, clock);
        const store = createSqlStore(db, clock);
        const model = scriptedModel([
          [toolUse('get_customer', { email: 'sarah@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
          [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
          [text('Your refund of $89.99 has been processed.')],
          // second turn: the model tries again; the machine must not refund twice
          [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
          [text('That order has already been refunded.')],
        ]);
        const runtime = createRuntime({
          store,
          backends,
          model,
          policy: DEFAULT_POLICY,
          clock,
          retry: { retries: 2, baseDelayMs: 1, sleep: noSleep },
          ...productParts(),
          confirmRefunds: false,
        });
        expect(store.kind).toBe(target.name);

        const { conversation_id: id, token } = await runtime.createConversation();
        const turn = await runtime.sendMessage(
          id,
          token,
          "Hi, I'm sarah@example.com. My blender (ORD-8842) arrived broken, I'd like a refund.",
        );
        expect(turn.conversation_id).toBe(id);

        const refunds = await backends.payments.listRefunds({ conversationId: id });
        expect(refunds).toHaveLength(1);
        expect(refunds[0]).toMatchObject({
          orderId: 'ORD-8842',
          customerId: 'USR-001',
          amountCents: 8999,
          reason: 'damaged',
          conversationId: id,
        });
        expect(await store.listPendingEffects(id)).toEqual([]);

        await runtime.sendMessage(id, token, 'Please refund it again.');
        const rows = await db.all<{ n: number }>('SELECT count(*) AS n FROM refunds WHERE order_id = ?', ['ORD-8842']);
        expect(rows).toEqual([{ n: 1 }]);

        const view = await runtime.getConversation(id, token);
        expect(view.refunds).toEqual([expect.objectContaining({ order_id: 'ORD-8842', amount: 89.99 })]);
        expect(view.proposals.filter((p) => p.tool === 'process_refund').map((p) => p.decision)).toEqual([
          'accepted',
          'rejected',
        ]);
        const record = await store.getConversation(id);
        expect(record?.turn).toBe(2);
        expect(record?.version).toBeGreaterThan(1);
        expect(await runtime.recoverPendingEffects()).toBe(0);
      });
    },
  );
}

/**
 * The store's one-write steps, on SQLite and PostgreSQL: the turn lease taken with the read of the
 * conversation (and released by the turn's last commit), effects inserted already claimed by
 * their committer, the events a new conversation answers with, and that a step the CAS refuses
 * (or whose effect key exists) writes nothing, whichever way the dialect sends it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver } from '../../src/store/postgres-driver.js';
import { createSqlStore, migrate } from '../../src/store/sql-store.js';
import type { SqlDriver } from '../../src/store/sql.js';
import { createSqliteDriver, walSyncer } from '../../src/store/sqlite-driver.js';
import type { ConversationStore, PersistedConversation, SnapshotIndex } from '../../src/store/types.js';
import { createDatabaseOn, pgSuiteName, probePg, type PgTestDatabase } from '../support/pg.js';

const T0 = Date.parse('2026-11-26T12:00:00.000Z');
const at = (offsetMs = 0) => new Date(T0 + offsetMs).toISOString();
const snapshot = { value: 'verified', context: { marker: 1 } } as unknown as PersistedConversation;
const index: SnapshotIndex = { state: 'verified', status: 'open', waiting: false, wakeAt: null };

const probe = await probePg();
const targets: Array<{
  name: string;
  reason: string | null;
  open: () => Promise<{ a: SqlDriver; b: SqlDriver; done: () => Promise<void> }>;
}> = [
  {
    name: 'sqlite',
    reason: null,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'support-steps-'));
      const a = createSqliteDriver(join(dir, 'support.db'));
      await migrate(a);
      const b = createSqliteDriver(join(dir, 'support.db'));
      return { a, b, done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    reason: probe.reason,
    async open() {
      if (!probe.ok) throw new Error(probe.reason);
      const db: PgTestDatabase = await createDatabaseOn(probe.adminUrl);
      const a = createPostgresDriver(db.url, { max: 3 });
      await migrate(a);
      return { a, b: createPostgresDriver(db.url, { max: 3 }), done: () => db.cleanup() };
    },
  },
];

for (const target of targets) {
  describe.skipIf(target.reason !== null)(pgSuiteName(`one-write store steps on ${target.name}`, target), () => {
    let a: SqlDriver;
    let b: SqlDriver;
    let done: () => Promise<void>;
    let storeA: ConversationStore;
    let storeB: ConversationStore;
    let n = 0;
    const create = async () => {
      const id = `conv_steps_${++n}`;
      const events = await storeA.createConversation({
        id,
        tokenHash: `hash-${id}`,
        machineVersion: 3,
        snapshot,
        index,
        now: at(),
        events: [
          { kind: 'created', payload: { n } },
          { kind: 'note', payload: { text: 'second' } },
        ],
      });
      return { id, events };
    };

    beforeAll(async () => {
      ({ a, b, done } = await target.open());
      storeA = createSqlStore(a, () => new Date(T0));
      storeB = createSqlStore(b, () => new Date(T0));
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await done?.();
    });

    it('answers a new conversation with its events as stored (numbered from 1, with their seq)', async () => {
      const { id, events } = await create();
      const listed = await storeB.listEvents(id);
      expect(events).toEqual(listed);
      expect(events.map((e) => e.n)).toEqual([1, 2]);
    });

    it('takes the lease with the read for the token that opens the conversation, once', async () => {
      const { id } = await create();
      const first = await storeA.leaseConversation(id, `hash-${id}`, 'h1', at(60_000), at());
      expect(first).toMatchObject({
        ok: true,
        pendingEffects: false,
        record: { id, version: 1, eventCount: 2, turn: 0 },
      });
      expect(await storeB.leaseConversation(id, `hash-${id}`, 'h2', at(60_000), at(1_000))).toEqual({
        ok: false,
        reason: 'busy',
      });
      // an expired lease is taken over
      expect(await storeB.leaseConversation(id, `hash-${id}`, 'h2', at(120_000), at(61_000))).toMatchObject({
        ok: true,
      });
    });

    it('answers not_found alike for an unknown conversation and for a token that does not open it, without taking the lease', async () => {
      const { id } = await create();
      expect(await storeA.leaseConversation(id, 'hash-of-another-token', 'h1', at(60_000), at())).toEqual({
        ok: false,
        reason: 'not_found',
      });
      expect(await storeA.leaseConversation('conv_missing', `hash-${id}`, 'h1', at(60_000), at())).toEqual({
        ok: false,
        reason: 'not_found',
      });
      expect(await storeB.leaseConversation(id, `hash-${id}`, 'h2', at(60_000), at())).toMatchObject({ ok: true });
    });

    it("releases the lease in the turn's last commit, and only its holder's", async () => {
      const { id } = await create();
      expect(await storeA.leaseConversation(id, `hash-${id}`, 'h1', at(60_000), at())).toMatchObject({ ok: true });
      const other = await storeA.commit({
        conversationId: id,
        expectedVersion: 1,
        snapshot,
        index,
        turn: 1,
        events: [],
        releaseLease: 'not-h1',
      });
      expect(other).toMatchObject({ ok: true, version: 2 });
      expect(await storeB.leaseConversation(id, `hash-${id}`, 'h2', at(60_000), at(1_000))).toEqual({
        ok: false,
        reason: 'busy',
      });
      const last = await storeA.commit({
        conversationId: id,
        expectedVersion: 2,
        snapshot,
        index,
        turn: 1,
        events: [{ kind: 'reply', payload: { text: 'done' } }],
        releaseLease: 'h1',
      });
      expect(last).toMatchObject({ ok: true, version: 3, events: [{ n: 3, kind: 'reply' }] });
      expect(await storeB.leaseConversation(id, `hash-${id}`, 'h2', at(60_000), at(1_000))).toMatchObject({
        ok: true,
        record: { version: 3, turn: 1 },
      });
    });

    it('says when an effect is pending as the lease is taken', async () => {
      const { id } = await create();
      const step = await storeA.commit({
        conversationId: id,
        expectedVersion: 1,
        snapshot,
        index,
        turn: 1,
        events: [],
        effects: [{ idempotencyKey: `ticket:${id}`, kind: 'ticket', request: { p: 1 } }],
      });
      expect(step.ok).toBe(true);
      expect(await storeB.leaseConversation(id, `hash-${id}`, 'h1', at(60_000), at())).toMatchObject({
        ok: true,
        pendingEffects: true,
      });
    });

    it('inserts an effect claimed by its committer: nobody else claims it before the claim expires', async () => {
      const { id } = await create();
      const key = `refund:ORD-${id}`;
      const step = await storeA.commit({
        conversationId: id,
        expectedVersion: 1,
        snapshot,
        index,
        turn: 1,
        events: [{ kind: 'fact', payload: {} }],
        effects: [
          {
            idempotencyKey: key,
            kind: 'refund',
            request: { orderId: 'ORD-1' },
            claim: { holder: 'runner', until: at(30_000) },
          },
        ],
      });
      expect(step.ok).toBe(true);
      expect(await storeB.getEffect(key)).toMatchObject({
        status: 'pending',
        attempts: 1,
        request: { orderId: 'ORD-1' },
      });
      expect(await storeB.claimEffect(key, 'sweep', at(60_000), at(1_000))).toBe(false);
      expect(await storeB.claimEffect(key, 'sweep', at(90_000), at(30_001))).toBe(true);
    });

    it('writes nothing when the version moved on, or when an effect key exists (snapshot, events, other effects)', async () => {
      const { id } = await create();
      const taken = `refund:taken-${id}`;
      await storeA.commit({
        conversationId: id,
        expectedVersion: 1,
        snapshot,
        index,
        turn: 1,
        events: [],
        effects: [{ idempotencyKey: taken, kind: 'refund', request: {} }],
      });
      const stale = await storeB.commit({
        conversationId: id,
        expectedVersion: 1,
        snapshot,
        index,
        turn: 2,
        events: [{ kind: 'note', payload: {} }],
      });
      expect(stale).toEqual({ ok: false, reason: 'conflict' });
      const duplicate = await storeB.commit({
        conversationId: id,
        expectedVersion: 2,
        snapshot,
        index,
        turn: 2,
        events: [{ kind: 'note', payload: {} }],
        effects: [
          { idempotencyKey: `ticket:new-${id}`, kind: 'ticket', request: {} },
          { idempotencyKey: taken, kind: 'refund', request: {} },
        ],
        completeEffects: [{ idempotencyKey: taken, status: 'done', response: {} }],
      });
      expect(duplicate).toEqual({ ok: false, reason: 'duplicate_effect', idempotencyKey: taken });
      expect(await storeA.getVersion(id)).toBe(2);
      expect((await storeA.listEvents(id)).length).toBe(2);
      expect(await storeA.getEffect(`ticket:new-${id}`)).toBeNull();
      expect(await storeA.getEffect(taken)).toMatchObject({ status: 'pending' });
    });

    it('completes effects and numbers the events of one step in order', async () => {
      const { id } = await create();
      const key = `ticket:${id}`;
      await storeA.commit({
        conversationId: id,
        expectedVersion: 1,
        snapshot,
        index,
        turn: 1,
        events: [],
        effects: [{ idempotencyKey: key, kind: 'ticket', request: {} }],
      });
      const step = await storeB.commit({
        conversationId: id,
        expectedVersion: 2,
        snapshot,
        index,
        turn: 1,
        events: [1, 2, 3].map((i) => ({ kind: 'note' as const, payload: { i } })),
        completeEffects: [{ idempotencyKey: key, status: 'done', response: { ticketId: 'T-1' } }],
      });
      expect(step.ok && step.events.map((e) => [e.n, (e.payload as { i: number }).i])).toEqual([
        [3, 1],
        [4, 2],
        [5, 3],
      ]);
      expect(await storeA.listEvents(id, 2)).toEqual(step.ok ? step.events : []);
      expect(await storeA.getEffect(key)).toMatchObject({ status: 'done', response: { ticketId: 'T-1' } });
    });
  });
}

describe('a durable SQLite transaction', () => {
  it('waits for a sync of the WAL that started after its COMMIT, shared by those waiting together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'support-durable-'));
    try {
      const db = createSqliteDriver(join(dir, 'support.db'));
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.tx(async (q) => q.run('INSERT INTO t (v) VALUES (?)', [`v${i}`]), { durable: true }),
        ),
      );
      expect(await db.all('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 20 }]);
      await db.close();
      const again = createSqliteDriver(join(dir, 'support.db'));
      expect(await again.all('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 20 }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shares one sync among the callers that ask while one runs, and starts a new one for them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'support-wal-'));
    try {
      const db = createSqliteDriver(join(dir, 'support.db'));
      await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      await db.run('INSERT INTO t DEFAULT VALUES');
      const sync = walSyncer(join(dir, 'support.db-wal'));
      const first = sync();
      const second = sync();
      const third = sync();
      expect(second).toBe(third); // both asked while the first ran: they wait for the next one
      expect(second).not.toBe(first);
      await Promise.all([first, second, third]);
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

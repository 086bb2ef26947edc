/**
 * The rate-limiter-flexible store on the project's SqlDriver: the same tests on SQLite and on
 * PostgreSQL, including two limiter instances (two server processes) sharing one database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimiterSql } from '../../src/limits/sql-rate-limiter.js';
import { createPostgresDriver } from '../../src/store/postgres-driver.js';
import { createSqliteDriver } from '../../src/store/sqlite-driver.js';
import { migrate } from '../../src/store/sql-store.js';
import type { SqlDriver } from '../../src/store/sql.js';
import { createDatabaseOn, pgSuiteName, probePg, type PgTestDatabase } from '../support/pg.js';

const probe = await probePg();

interface Target {
  name: string;
  reason: string | null;
  open(): Promise<SqlDriver>;
  close(): Promise<void>;
}

function sqliteTarget(): Target {
  let db: SqlDriver | null = null;
  return {
    name: 'SQLite',
    reason: null,
    async open() {
      db ??= createSqliteDriver(':memory:');
      await migrate(db);
      return db;
    },
    close: async () => db?.close(),
  };
}

function pgTarget(): Target {
  let database: PgTestDatabase | null = null;
  const drivers: SqlDriver[] = [];
  return {
    name: 'PostgreSQL',
    reason: probe.reason,
    async open() {
      if (!probe.ok) throw new Error(probe.reason);
      database ??= await createDatabaseOn(probe.adminUrl);
      const db = createPostgresDriver(database.url, { max: 4 });
      drivers.push(db);
      await migrate(db);
      return db;
    },
    async close() {
      await Promise.all(drivers.map((d) => d.close()));
      await database?.cleanup();
    },
  };
}

let clockMs = Date.parse('2026-11-26T10:00:00Z');
const now = () => clockMs;

for (const target of [sqliteTarget(), pgTarget()]) {
  describe.skipIf(target.reason !== null)(pgSuiteName(`rate limits on ${target.name}`, target), () => {
    let db: SqlDriver;
    beforeAll(async () => {
      db = await target.open();
    });
    afterAll(() => target.close());

    const limiter = (prefix: string, points = 3, duration = 60, onDb: SqlDriver = db) =>
      new RateLimiterSql({ db: onDb, keyPrefix: prefix, points, duration, now });

    it('allows `points` consumptions per window, then rejects with the time left', async () => {
      const rl = limiter('basic');
      for (let i = 1; i <= 3; i++) expect((await rl.consume('a')).remainingPoints).toBe(3 - i);
      const refused = await rl.consume('a').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RateLimiterRes);
      expect((refused as RateLimiterRes).msBeforeNext).toBe(60_000);
      expect((await rl.consume('b')).remainingPoints).toBe(2); // keys are independent
    });

    it('starts a new window once the old one has expired', async () => {
      const rl = limiter('window', 1, 10);
      await rl.consume('k');
      await expect(rl.consume('k')).rejects.toBeInstanceOf(RateLimiterRes);
      clockMs += 10_001;
      expect((await rl.consume('k')).consumedPoints).toBe(1);
    });

    it('reads, blocks and deletes a key', async () => {
      const rl = limiter('ops', 5, 60);
      await rl.consume('x', 2);
      expect((await rl.get('x'))?.consumedPoints).toBe(2);
      await rl.block('x', 30);
      await expect(rl.consume('x')).rejects.toBeInstanceOf(RateLimiterRes);
      expect(await rl.delete('x')).toBe(true);
      expect(await rl.get('x')).toBeNull();
      expect((await rl.consume('x')).consumedPoints).toBe(1);
    });

    it('counts atomically: 40 concurrent consumptions through two instances allow exactly `points`', async () => {
      const second = await target.open(); // SQLite: the same connection; PostgreSQL: a second pool
      const a = limiter('race', 10, 60);
      const b = limiter('race', 10, 60, second);
      const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).consume('shared')));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      const rows = await db.all<{ points: number }>('SELECT points FROM rate_limits WHERE key = ?', ['race:shared']);
      expect(Number(rows[0]?.points)).toBe(40);
    });

    it('deletes expired rows', async () => {
      const rl = limiter('old', 1, 1);
      await rl.consume('gone');
      clockMs += 5_000;
      await rl.clearExpired();
      expect(await db.all('SELECT key FROM rate_limits WHERE key = ?', ['old:gone'])).toEqual([]);
    });
  });
}

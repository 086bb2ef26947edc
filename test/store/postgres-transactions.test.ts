/**
 * Transactions beside a loaded pool (PostgreSQL). postgres.js 3.4.9 can send a transaction's
 * BEGIN on a pooled connection without reserving it when the socket's buffer is full or the
 * pipeline is at its limit (porsager/postgres#823, #1189, #1207); the transaction then fails with
 * UNSAFE_TRANSACTION and the connection returns to the pool inside an open transaction. The driver
 * runs transactions on connections of their own (lent to one transaction at a time). The race
 * itself is rare (seen at 1000 turns at once in bench:concurrency, not reproduced in a unit test
 * here); these tests check what prevents it, and that transactions among pipelined statements
 * all commit and leave no connection inside a transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver } from '../../src/store/postgres-driver.js';
import type { SqlDriver } from '../../src/store/sql.js';
import { createDatabaseOn, pgSuiteName, probePg, type PgTestDatabase } from '../support/pg.js';

const probe = await probePg();

describe.skipIf(probe.reason !== null)(pgSuiteName('postgres transactions beside a loaded pool', probe), () => {
  let database: PgTestDatabase;
  let db: SqlDriver;

  beforeAll(async () => {
    if (!probe.ok) throw new Error(probe.reason);
    database = await createDatabaseOn(probe.adminUrl);
    db = createPostgresDriver(database.url, { max: 2 });
    await db.run('CREATE TABLE t (id SERIAL PRIMARY KEY, by_tx BOOLEAN NOT NULL, v TEXT NOT NULL)');
  });

  afterAll(async () => {
    await db?.close();
    await database?.cleanup();
  });

  it('commits every transaction and every statement, and leaves no connection inside a transaction', async () => {
    // both pooled connections busy, then more pipelined statements than a connection takes
    // (postgres.js pipelines up to 100), with transactions among them
    const rounds = 4;
    const perRound = 300;
    const failures: unknown[] = [];
    let transactions = 0;
    for (let round = 0; round < rounds; round++) {
      const every = 2 + (round % 5); // the transactions land at other places of the pipelines each round
      const work: Array<Promise<unknown>> = [db.all('SELECT pg_sleep(0.05)'), db.all('SELECT pg_sleep(0.05)')];
      for (let i = 0; i < perRound; i++) {
        work.push(db.run('INSERT INTO t (by_tx, v) VALUES (false, ?)', [`${round}-${i}`]));
        if (i % every !== 0) continue;
        transactions++;
        work.push(
          db.tx(async (q) => {
            await q.run('INSERT INTO t (by_tx, v) VALUES (true, ?)', [`${round}-${i}`]);
            await q.all('SELECT count(*) AS n FROM t');
            await q.run('INSERT INTO t (by_tx, v) VALUES (true, ?)', [`${round}-${i}-second`]);
          }),
        );
      }
      for (const r of await Promise.allSettled(work)) if (r.status === 'rejected') failures.push(r.reason);
    }
    expect(failures.map((e) => String(e))).toEqual([]);
    const rows = await db.all<{ by_tx: boolean; n: number }>('SELECT by_tx, count(*) AS n FROM t GROUP BY by_tx');
    const count = (byTx: boolean) => rows.find((r) => r.by_tx === byTx)?.n ?? 0;
    expect(count(false)).toBe(rounds * perRound);
    expect(count(true)).toBe(transactions * 2);
    const stuck = await db.all<{ n: number }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    );
    expect(stuck[0]?.n).toBe(0);
  });

  it('runs a transaction on a connection no pooled statement uses', async () => {
    const pooled = new Set<number>();
    const inTx = new Set<number>();
    const pid = 'SELECT pg_backend_pid() AS pid';
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 60; i++) {
      work.push(db.all<{ pid: number }>(pid).then((rows) => pooled.add(Number(rows[0]?.pid))));
      if (i % 3 === 0)
        work.push(
          db.tx(async (q) => {
            const first = Number((await q.all<{ pid: number }>(pid))[0]?.pid);
            await q.run('INSERT INTO t (by_tx, v) VALUES (true, ?)', [`pid-${i}`]);
            const second = Number((await q.all<{ pid: number }>(pid))[0]?.pid);
            expect(second).toBe(first);
            inTx.add(first);
          }),
        );
    }
    await Promise.all(work);
    expect(inTx.size).toBeGreaterThan(0);
    expect([...inTx].filter((p) => pooled.has(p))).toEqual([]);
  });
});

/**
 * The SQLite driver's group commit: synchronous transactions and single writes asked in the same
 * turn of the event loop share one COMMIT, each in a savepoint of its own. What each caller sees
 * must be what it would have seen alone: its own result, its own failure rolled back alone, the
 * order asked, nothing reported before the COMMIT.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteDriver } from '../../src/store/sqlite-driver.js';
import type { SqlDriver } from '../../src/store/sql.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fileDriver(): Promise<{ driver: SqlDriver; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'support-group-'));
  const file = join(dir, 'support.db');
  const driver = createSqliteDriver(file);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => driver.close());
  await driver.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  return { driver, file };
}

const walBytes = (file: string) => statSync(`${file}-wal`).size;
const FRAME = 4096 + 24;

describe('SQLite group commit', () => {
  it('writes asked together share one commit: the WAL grows by a few frames, not one per write', async () => {
    const { driver, file } = await fileDriver();
    const insert = (k: string) => driver.txSync!((q) => q.run('INSERT INTO t VALUES (?, 1)', [k]));

    let before = walBytes(file);
    for (let i = 0; i < 20; i++) await insert(`alone-${i}`); // each waits for the last: 20 commits
    const alone = (walBytes(file) - before) / FRAME;

    before = walBytes(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => insert(`together-${i}`)));
    const together = (walBytes(file) - before) / FRAME;

    expect(alone).toBeGreaterThanOrEqual(20);
    expect(together).toBeLessThanOrEqual(3);
    expect(await driver.all('SELECT count(*) AS n FROM t')).toEqual([{ n: 40 }]);
  });

  it('a member that throws is rolled back alone; the others commit and get their own results', async () => {
    const { driver } = await fileDriver();
    const results = await Promise.allSettled([
      driver.txSync!((q) => q.run("INSERT INTO t VALUES ('a', 1)").changes),
      driver.txSync!((q) => {
        q.run("INSERT INTO t VALUES ('b', 1)");
        q.run("UPDATE t SET v = 99 WHERE k = 'a'");
        throw new Error('refused');
      }),
      driver.run("INSERT INTO t VALUES ('a', 2)"), // a constraint error: this statement alone fails
      driver.txSync!((q) => q.all<{ v: number }>("SELECT v FROM t WHERE k = 'a'")[0]?.v),
      driver.all<{ k: string }>('UPDATE t SET v = v + 1 RETURNING k'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<number>).value).toBe(1);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain('refused');
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    // the fourth ran after the second's rollback: it saw a = 1, not 99
    expect((results[3] as PromiseFulfilledResult<number>).value).toBe(1);
    expect((results[4] as PromiseFulfilledResult<unknown>).value).toEqual([{ k: 'a' }]);
    expect(await driver.all('SELECT k, v FROM t ORDER BY k')).toEqual([{ k: 'a', v: 2 }]);
  });

  it('nobody hears of a result before the COMMIT: another connection sees every write once a caller is told', async () => {
    const { driver, file } = await fileDriver();
    const other = new Database(file, { readonly: true });
    cleanups.push(() => void other.close());
    const count = () => (other.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        driver.txSync!((q) => q.run('INSERT INTO t VALUES (?, 1)', [`k${i}`])).then(() => seen.push(count())),
      ),
    );
    expect(seen).toEqual([5, 5, 5, 5, 5]);
  });

  it('keeps the order asked across kinds of work: a transaction asked between two writes runs between them', async () => {
    const { driver } = await fileDriver();
    const order: string[] = [];
    await Promise.all([
      driver.txSync!((q) => {
        order.push('first');
        q.run("INSERT INTO t VALUES ('x', 1)");
      }),
      driver.tx(async (q) => {
        order.push('tx');
        const rows = await q.all<{ v: number }>("SELECT v FROM t WHERE k = 'x'");
        await q.run("UPDATE t SET v = ? WHERE k = 'x'", [(rows[0]?.v ?? 0) * 10]);
      }),
      driver.txSync!((q) => {
        order.push('last');
        q.run("UPDATE t SET v = v + 1 WHERE k = 'x'");
      }),
    ]);
    expect(order).toEqual(['first', 'tx', 'last']);
    expect(await driver.all("SELECT v FROM t WHERE k = 'x'")).toEqual([{ v: 11 }]);
  });

  it('when SQLite drops the whole transaction, every member of the group fails, none is reported committed', async () => {
    const { driver } = await fileDriver();
    const results = await Promise.allSettled([
      driver.txSync!((q) => q.run("INSERT INTO t VALUES ('a', 1)")),
      driver.txSync!((q) => {
        q.run('ROLLBACK'); // as a full disk or an I/O error would
        throw new Error('transaction lost');
      }),
      driver.txSync!((q) => q.run("INSERT INTO t VALUES ('c', 1)")),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await driver.all('SELECT k FROM t')).toEqual([]);
    // and the connection goes on working
    await driver.txSync!((q) => q.run("INSERT INTO t VALUES ('d', 1)"));
    expect(await driver.all('SELECT k FROM t')).toEqual([{ k: 'd' }]);
  });
});

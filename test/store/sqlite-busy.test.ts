/**
 * Another process holding the SQLite file's write lock (a second server worker, `npm run chat`,
 * `npm run mcp`): a statement or transaction waits for it without blocking the event loop, runs
 * once the lock is free, and fails with SQLITE_BUSY only after the wait is over. The other process
 * is played by a raw connection of its own (the driver's in-process mutex does not know it).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteDriver, retryWhileBusy } from '../../src/store/sqlite-driver.js';
import type { SqlDriver } from '../../src/store/sql.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function fileWithOtherProcess(): { driver: SqlDriver; other: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'support-busy-'));
  const file = join(dir, 'support.db');
  const driver = createSqliteDriver(file);
  const other = new Database(file);
  other.pragma('busy_timeout = 0');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => driver.close());
  cleanups.push(() => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
  });
  return { driver, other };
}

/** Resolves after `n` turns of the event loop (a timer would do too: the point is that they run). */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('SQLite with another process writing', () => {
  it('a write, a transaction and a synchronous transaction wait for the lock, the event loop running meanwhile', async () => {
    const { driver, other } = fileWithOtherProcess();
    await driver.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)');
    other.exec('BEGIN IMMEDIATE');
    other.prepare("INSERT INTO t VALUES ('other', 1)").run();

    const done: string[] = [];
    const write = driver.run("INSERT INTO t VALUES ('single', 1)").then(() => done.push('single'));
    const tx = driver
      .tx(async (q) => {
        await q.run("INSERT INTO t VALUES ('tx', 1)");
      })
      .then(() => done.push('tx'));
    const txSync = driver.txSync!((q) => q.run("INSERT INTO t VALUES ('sync', 1)"), { durable: true }).then(() =>
      done.push('sync'),
    );
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await turns(200);
    expect(done).toEqual([]); // none ran while the other process held the lock
    expect(ticks).toBeGreaterThan(0); // and the event loop was never stood still by a wait inside SQLite

    other.exec('COMMIT');
    await Promise.all([write, tx, txSync]);
    clearInterval(timer);
    expect(done).toEqual(['single', 'tx', 'sync']); // in the order asked
    const keys = (await driver.all<{ k: string }>('SELECT k FROM t ORDER BY k')).map((r) => r.k);
    expect(keys).toEqual(['other', 'single', 'sync', 'tx']);
  });

  it('a synchronous transaction that throws rolls back and leaves the connection usable', async () => {
    const { driver } = fileWithOtherProcess();
    await driver.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    await expect(
      driver.txSync!((q) => {
        q.run("INSERT INTO t VALUES ('a')");
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await driver.all('SELECT k FROM t')).toEqual([]);
    await driver.txSync!((q) => q.run("INSERT INTO t VALUES ('b')"));
    expect(await driver.all('SELECT k FROM t')).toEqual([{ k: 'b' }]);
  });

  it('gives up with SQLITE_BUSY once the wait is over, and passes any other error at once', async () => {
    let tries = 0;
    const busy = () => {
      tries++;
      throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
    };
    await expect(retryWhileBusy(busy, 30)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(tries).toBeGreaterThan(1);
    tries = 0;
    const broken = () => {
      tries++;
      throw new Database.SqliteError('no such table: nope', 'SQLITE_ERROR');
    };
    await expect(retryWhileBusy(broken, 1_000)).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
    expect(tries).toBe(1);
  });
});

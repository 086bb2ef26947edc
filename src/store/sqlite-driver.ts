/**
 * SQLite through better-sqlite3 12 (13 crashes on Node 20): WAL, one connection, serialised
 * transactions in this process. Other processes may use the file too (server workers, `npm run
 * chat`, `npm run mcp`): their write lock is waited for off the event loop (retryWhileBusy), and
 * the hot commits run synchronously between BEGIN and COMMIT (txSync), so that lock is held for
 * the statements alone. `synchronous = NORMAL`: a commit is in the WAL, durable at its next sync. A
 * transaction marked durable (the outbox row before a payment) resolves only once the WAL has
 * been synced after its COMMIT, as `synchronous = FULL` would do, but the sync (fdatasync of the
 * -wal file) runs on libuv's thread pool instead of inside COMMIT on the event loop, and one sync
 * serves every durable commit that came before it (a group commit).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createCheckpointer } from './sqlite-checkpointer.js';
import type { SqlDriver, SqlQueryable, SqlSyncQueryable, SqlValue, TxOptions } from './sql.js';

/** A FIFO async mutex: better-sqlite3 is synchronous, but our transactions are async functions. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  /** Callers holding the lock or waiting for it. */
  private queued = 0;
  /** Nobody holds the lock or waits for it: a statement may run at once without passing anyone. */
  get idle(): boolean {
    return this.queued === 0;
  }
  async lock<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    this.queued++;
    try {
      await previous;
      return await fn();
    } finally {
      this.queued--;
      release();
    }
  }
}

/** One mutex per file in this process: two connections to one file must not interleave transactions. */
const mutexes = new Map<string, Mutex>();
function mutexFor(file: string): Mutex {
  if (file === ':memory:') return new Mutex();
  const key = resolve(file);
  let m = mutexes.get(key);
  if (!m) mutexes.set(key, (m = new Mutex()));
  return m;
}

/**
 * fdatasync of the WAL file, shared: a caller waits for a sync that started after it asked (its
 * commit is then covered); callers that ask while one runs share the next one. The file is opened
 * for each sync, so it is always the WAL in use (a checkpoint that restarts it has synced the
 * database itself first).
 */
export function walSyncer(walFile: string): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const sync = async () => {
    const handle = await open(walFile, 'r');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  };
  const start = (): Promise<void> => {
    const p = sync().finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };
  return () => {
    if (next) return next;
    if (!running) return start();
    const after = running
      .catch(() => {})
      .then(() => {
        next = null;
        return start();
      });
    next = after;
    return after;
  };
}

/** How long a statement or transaction waits for another process's write lock before it fails (SQLITE_BUSY). */
const BUSY_WAIT_MS = 5_000;
const isBusy = (error: unknown) =>
  error instanceof Database.SqliteError && (error.code === 'SQLITE_BUSY' || error.code.startsWith('SQLITE_BUSY_'));
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it does not meet another process's lock (SQLITE_BUSY), waiting without
 * blocking the event loop: SQLite's own busy handler would sleep in the C call (1 ms, then 2, 5, …),
 * standing the whole process still while the other one holds the lock for a tenth of that. The
 * first retries come on the next turns of the event loop, later ones after growing pauses.
 * A busy statement did nothing, so running it again is safe.
 */
export async function retryWhileBusy<T>(attempt: () => T, waitMs = BUSY_WAIT_MS): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let tries = 0; ; tries++) {
    try {
      return attempt();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    await (tries < 50 ? nextTick() : later(Math.min(20, tries - 49)));
  }
}

export interface SqliteDriverOptions {
  /**
   * How a durable transaction reaches the disk: `async` (default) syncs the WAL on the thread pool
   * after COMMIT (grouped); `full` runs that COMMIT with `synchronous = FULL` (the sync inside
   * COMMIT, on the event loop); `none` does not wait (for measuring what durability costs).
   */
  durableSync?: 'async' | 'full' | 'none';
}

/** Opens (creating folders as needed) a SQLite database file, or ':memory:'. */
export function createSqliteDriver(file: string, options: SqliteDriverOptions = {}): SqlDriver {
  const durableSync = file === ':memory:' ? 'none' : (options.durableSync ?? 'async');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // another process's write lock is waited for by retryWhileBusy, off the event loop's back
  db.pragma('busy_timeout = 0');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL'); // the WAL default of better-sqlite3's build, said explicitly
  db.pragma('mmap_size = 268435456'); // reads map the file instead of copying pages (writes still go through write())
  const mutex = mutexFor(file);
  // compiling a statement costs more than running it: each SQL text is prepared once per connection
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };

  const idle = () => mutex.idle;
  const syncWal = walSyncer(`${file}-wal`);
  // the WAL is copied back by a worker thread once this connection has written a while (not in short-lived ones)
  const checkpointer =
    file === ':memory:'
      ? null
      : createCheckpointer(file, {
          handOver: () => {
            db.pragma('journal_size_limit = 67108864'); // a checkpointed WAL is cut back to 64 MiB
            db.pragma('wal_autocheckpoint = 0');
          },
          takeBack: () => {
            if (db.open) db.pragma('wal_autocheckpoint = 1000');
          },
          exclusive: (body) => mutex.lock(body),
        });

  const allRows = <T>(sql: string, params: SqlValue[] = []): T[] => {
    const stmt = prepare(sql);
    return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as T[];
  };
  const runStatement = (sql: string, params: SqlValue[] = []): { changes: number } => {
    const stmt = prepare(sql);
    return { changes: stmt.reader ? stmt.all(...params).length : stmt.run(...params).changes };
  };

  /** Inside a transaction (the write lock held): a statement runs at once. */
  const sync: SqlSyncQueryable = { all: allRows, run: runStatement };
  const direct: SqlQueryable = {
    all: async <T>(sql: string, params?: SqlValue[]) => allRows<T>(sql, params),
    run: async (sql: string, params?: SqlValue[]) => runStatement(sql, params),
  };
  const ran = <T>(result: T, sql: string): T => {
    if (!prepare(sql).readonly) checkpointer?.committed();
    return result;
  };
  /**
   * A statement outside a transaction (a write commits on its own). It runs at once when nobody
   * holds or waits for the file's lock in this process (better-sqlite3 is synchronous: nothing can
   * interleave with it); otherwise, or when another process holds the write lock, it queues for
   * the lock, so it never runs inside another caller's transaction, nor before what was asked first.
   */
  const single = async <T>(run: () => T, sql: string): Promise<T> => {
    const queued = () => mutex.lock(async () => ran(await retryWhileBusy(run), sql));
    if (!idle()) return queued();
    try {
      return ran(run(), sql);
    } catch (error) {
      if (isBusy(error)) return queued();
      throw error;
    }
  };
  /** BEGIN IMMEDIATE at once, or (another process writing) once it can: a promise only then. */
  const begin = (): Promise<void> | undefined => {
    try {
      db.exec('BEGIN IMMEDIATE');
      return undefined;
    } catch (error) {
      if (!isBusy(error)) throw error;
      return retryWhileBusy(() => void db.exec('BEGIN IMMEDIATE'));
    }
  };
  /**
   * BEGIN IMMEDIATE, `body`, COMMIT, serialised with this process's other transactions of the
   * file. A synchronous body runs between BEGIN and COMMIT with nothing else in between.
   * Durable: on disk before it resolves.
   */
  const transaction = async <T>(body: () => T | Promise<T>, options?: TxOptions): Promise<T> => {
    const durable = options?.durable === true ? durableSync : 'none';
    const result = await mutex.lock(async () => {
      // the safety level cannot change inside a transaction
      if (durable === 'full') db.pragma('synchronous = FULL');
      try {
        const waiting = begin();
        if (waiting) await waiting;
        try {
          const pending = body();
          const value = pending instanceof Promise ? await pending : pending;
          db.exec('COMMIT');
          checkpointer?.committed();
          return value;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      } finally {
        if (durable === 'full') db.pragma('synchronous = NORMAL');
      }
    });
    // on disk before the caller goes on (other transactions need not wait for the sync)
    if (durable === 'async') await syncWal();
    return result;
  };

  return {
    dialect: 'sqlite',
    description: file === ':memory:' ? 'sqlite (in memory)' : `sqlite (${file})`,
    all: <T>(sql: string, params?: SqlValue[]) => single(() => allRows<T>(sql, params), sql),
    run: (sql, params) => single(() => runStatement(sql, params), sql),
    tx: (fn, options) => transaction(() => fn(direct), options),
    txSync: (fn, options) => transaction(() => fn(sync), options),
    exec: (sql) =>
      mutex.lock(async () => {
        await retryWhileBusy(() => db.exec(sql));
        statements.clear(); // DDL may change what cached statements refer to
      }),
    close: async () => {
      await checkpointer?.close();
      await mutex.lock(async () => db.close());
    },
  };
}

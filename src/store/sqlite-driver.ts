/**
 * SQLite through better-sqlite3 12 (13 crashes on Node 20): WAL, one connection, serialised
 * transactions. `synchronous = NORMAL`: a commit is in the WAL, durable at its next sync. A
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
import type { SqlDriver, SqlQueryable, SqlValue } from './sql.js';

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
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL'); // the WAL default of better-sqlite3's build, said explicitly
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
        });

  const direct: SqlQueryable = {
    async all<T>(sql: string, params: SqlValue[] = []) {
      const stmt = prepare(sql);
      return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as T[];
    },
    async run(sql: string, params: SqlValue[] = []) {
      const stmt = prepare(sql);
      if (stmt.reader) {
        const rows = stmt.all(...params);
        return { changes: rows.length };
      }
      return { changes: stmt.run(...params).changes };
    },
  };
  /** A statement outside a transaction: a write commits on its own. */
  const single = async <T>(run: () => Promise<T>, sql: string): Promise<T> => {
    const result = await run();
    if (!prepare(sql).readonly) checkpointer?.committed();
    return result;
  };

  return {
    dialect: 'sqlite',
    description: file === ':memory:' ? 'sqlite (in memory)' : `sqlite (${file})`,
    // a statement outside a transaction runs at once when nobody holds or waits for the file's lock
    // in this process (better-sqlite3 is synchronous: nothing can interleave with it); otherwise it
    // queues, so it never runs inside another caller's transaction, nor before what was asked first
    all: <T>(sql: string, params?: SqlValue[]) => {
      const run = () => single(() => direct.all<T>(sql, params), sql);
      return idle() ? run() : mutex.lock(run);
    },
    run: (sql, params) => {
      const run = () => single(() => direct.run(sql, params), sql);
      return idle() ? run() : mutex.lock(run);
    },
    tx: async (fn, options) => {
      const durable = options?.durable === true ? durableSync : 'none';
      const result = await mutex.lock(async () => {
        // the safety level cannot change inside a transaction
        if (durable === 'full') db.pragma('synchronous = FULL');
        db.exec('BEGIN IMMEDIATE');
        try {
          const value = await fn(direct);
          db.exec('COMMIT');
          checkpointer?.committed();
          return value;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        } finally {
          if (durable === 'full') db.pragma('synchronous = NORMAL');
        }
      });
      // on disk before the caller goes on (other transactions need not wait for the sync)
      if (durable === 'async') await syncWal();
      return result;
    },
    exec: (sql) =>
      mutex.lock(async () => {
        db.exec(sql);
        statements.clear(); // DDL may change what cached statements refer to
      }),
    close: async () => {
      await checkpointer?.close();
      await mutex.lock(async () => db.close());
    },
  };
}

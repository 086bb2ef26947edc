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
          exclusive: (body) => lockAlone(body),
        });

  const allRows = <T>(sql: string, params: SqlValue[] = []): T[] => {
    const stmt = prepare(sql);
    return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as T[];
  };
  const runStatement = (sql: string, params: SqlValue[] = []): { changes: number } => {
    const stmt = prepare(sql);
    return { changes: stmt.reader ? stmt.all(...params).length : stmt.run(...params).changes };
  };
  const run = (sql: string) => void prepare(sql).run();

  /** Inside a transaction (the write lock held): a statement runs at once. */
  const sync: SqlSyncQueryable = { all: allRows, run: runStatement };
  const direct: SqlQueryable = {
    all: async <T>(sql: string, params?: SqlValue[]) => allRows<T>(sql, params),
    run: async (sql: string, params?: SqlValue[]) => runStatement(sql, params),
  };

  /** BEGIN IMMEDIATE at once, or (another process writing) once it can: a promise only then. */
  const begin = (): Promise<void> | undefined => {
    try {
      run('BEGIN IMMEDIATE');
      return undefined;
    } catch (error) {
      if (!isBusy(error)) throw error;
      return retryWhileBusy(() => run('BEGIN IMMEDIATE'));
    }
  };

  /**
   * Group commit. Synchronous transaction bodies and single writes asked in the same turn of the
   * event loop run one after the other inside one BEGIN IMMEDIATE … COMMIT, each in a savepoint of
   * its own (a body that throws is rolled back alone, as if it had run by itself), and each caller
   * hears of its result only after that COMMIT (a durable one after the WAL's sync). A COMMIT costs
   * more than the statements of a step (it writes every page they touched to the WAL; the pages
   * shared by the group, such as the events table's last leaf, are written once for all), and on a
   * file shared by processes fewer commits mean fewer times the other process's page cache is
   * reset. A group waits its turn in the FIFO mutex; what is asked while it waits joins it, until
   * another kind of work (an async transaction, DDL, a checkpoint) queues behind it.
   */
  type Member = {
    body: () => unknown;
    durable: 'async' | 'full' | 'none';
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  };
  let forming: Member[] | null = null;
  /** Work other than a group member: it closes the forming group, so nothing asked after it passes it by joining. */
  const lockAlone = <T>(fn: () => Promise<T>): Promise<T> => {
    forming = null;
    return mutex.lock(fn);
  };
  const durabilityOf = (options?: TxOptions): Member['durable'] => (options?.durable === true ? durableSync : 'none');
  const grouped = <T>(body: () => T, durable: Member['durable']): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let group = forming;
      if (!group) {
        const members: Member[] = (group = forming = []);
        mutex
          .lock(async () => {
            await nextTick(); // what the rest of this turn of the event loop asks joins
            if (forming === members) forming = null;
            await runGroup(members);
          })
          // nobody is left waiting if the group itself broke (a member already settled ignores this)
          .catch((error: unknown) => members.forEach((m) => m.reject(error)));
      }
      group.push({ body, durable, resolve: resolve as (value: unknown) => void, reject });
    });

  const runGroup = async (members: Member[]): Promise<void> => {
    const full = members.some((m) => m.durable === 'full');
    const values: unknown[] = [];
    const failed = new Map<number, unknown>();
    let lost: unknown = null;
    try {
      // the safety level cannot change inside a transaction
      if (full) db.pragma('synchronous = FULL');
      const waiting = begin();
      if (waiting) await waiting;
      const alone = members.length === 1;
      for (let i = 0; i < members.length; i++) {
        if (!alone) run('SAVEPOINT member');
        try {
          const value = members[i]!.body();
          if (value instanceof Promise) throw new Error('a synchronous transaction body returned a promise');
          values[i] = value;
          if (!alone) run('RELEASE member');
        } catch (error) {
          failed.set(i, error);
          if (!db.inTransaction) {
            // SQLite rolled the whole transaction back (a full disk, an I/O error): the earlier members went with it
            lost = error;
            break;
          }
          if (alone) run('ROLLBACK');
          else {
            run('ROLLBACK TO member');
            run('RELEASE member');
          }
        }
      }
      if (lost === null && db.inTransaction) {
        run('COMMIT');
        checkpointer?.committed();
      }
    } catch (error) {
      lost = error;
      if (db.inTransaction) run('ROLLBACK');
    } finally {
      if (full) db.pragma('synchronous = NORMAL');
    }
    // settled outside the lock: a caller's continuation never runs inside the group
    let synced: Promise<void> | null = null;
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      const error = failed.has(i) ? failed.get(i) : lost;
      if (failed.has(i) || lost !== null) m.reject(error);
      else if (m.durable === 'async') {
        // on disk before the caller goes on (other transactions need not wait for the sync)
        synced ??= syncWal();
        synced.then(() => m.resolve(values[i]), m.reject);
      } else m.resolve(values[i]);
    }
  };

  /**
   * A statement outside a transaction. A write joins the group commit. A read runs at once when
   * nobody holds or waits for the file's lock in this process (better-sqlite3 is synchronous:
   * nothing can interleave with it); otherwise, or when another process holds the write lock, it
   * queues for the lock, so it never runs inside another caller's transaction, nor before what was
   * asked first.
   */
  const single = async <T>(execute: () => T, sql: string): Promise<T> => {
    if (!prepare(sql).readonly) return grouped(execute, 'none');
    const queued = () => mutex.lock(() => retryWhileBusy(execute));
    if (!mutex.idle) return queued();
    try {
      return execute();
    } catch (error) {
      if (isBusy(error)) return queued();
      throw error;
    }
  };
  /**
   * BEGIN IMMEDIATE, an async `body`, COMMIT, serialised with this process's other transactions
   * of the file. Durable: on disk before it resolves.
   */
  const transaction = async <T>(body: () => Promise<T>, options?: TxOptions): Promise<T> => {
    const durable = durabilityOf(options);
    const result = await lockAlone(async () => {
      // the safety level cannot change inside a transaction
      if (durable === 'full') db.pragma('synchronous = FULL');
      try {
        const waiting = begin();
        if (waiting) await waiting;
        try {
          const value = await body();
          run('COMMIT');
          checkpointer?.committed();
          return value;
        } catch (error) {
          if (db.inTransaction) run('ROLLBACK');
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
    txSync: (fn, options) => grouped(() => fn(sync), durabilityOf(options)),
    exec: (sql) =>
      lockAlone(async () => {
        await retryWhileBusy(() => db.exec(sql));
        statements.clear(); // DDL may change what cached statements refer to
      }),
    close: async () => {
      await checkpointer?.close();
      await lockAlone(async () => db.close());
    },
  };
}

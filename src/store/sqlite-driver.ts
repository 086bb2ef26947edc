/** SQLite through better-sqlite3 12 (13 crashes on Node 20): WAL, one connection, serialised transactions. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SqlDriver, SqlQueryable, SqlValue } from './sql.js';

/** A FIFO async mutex: better-sqlite3 is synchronous, but our transactions are async functions. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
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

/** Opens (creating folders as needed) a SQLite database file, or ':memory:'. */
export function createSqliteDriver(file: string): SqlDriver {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const mutex = mutexFor(file);
  // compiling a statement costs more than running it: each SQL text is prepared once per connection
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };

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

  return {
    dialect: 'sqlite',
    description: file === ':memory:' ? 'sqlite (in memory)' : `sqlite (${file})`,
    all: (sql, params) => mutex.lock(() => direct.all(sql, params)),
    run: (sql, params) => mutex.lock(() => direct.run(sql, params)),
    tx: (fn) =>
      mutex.lock(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(direct);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      }),
    exec: (sql) =>
      mutex.lock(async () => {
        db.exec(sql);
        statements.clear(); // DDL may change what cached statements refer to
      }),
    close: async () => {
      await mutex.lock(async () => db.close());
    },
  };
}

/**
 * PostgreSQL through postgres.js 3.4: a pool of connections shared by every process of the
 * deployment. Implements the SqlDriver contract (`?` placeholders, portable SQL).
 *
 * Differences from the SQLite driver a caller must know:
 * - `tx()` runs concurrently with other transactions (READ COMMITTED), it is NOT serialised
 *   like SQLite's. Correctness therefore rests on conditional writes (`UPDATE … WHERE version = ?`,
 *   `INSERT … ON CONFLICT DO NOTHING`), which PostgreSQL re-checks after waiting for a row lock.
 * - `exec()` (DDL) runs inside one transaction that first takes a transaction-scoped advisory lock
 *   (`pg_advisory_xact_lock`), so `migrate()` from several processes at once does not race on the
 *   catalog (concurrent `CREATE TABLE IF NOT EXISTS` can fail with a unique violation on
 *   `pg_type_typname_nsp_index`). Consequently DDL passed to exec must be transactional
 *   (no `CREATE INDEX CONCURRENTLY`, no `VACUUM`, no BEGIN/COMMIT of its own); pass
 *   `{ migrationLock: false }` to run exec as a plain multi-statement simple query instead.
 * - `?` inside SQL text (outside quotes and comments) is always a placeholder: the jsonb
 *   operators `?`, `?|`, `?&` cannot be written; use jsonb_exists()/jsonb_exists_any() instead.
 * - int8 (bigint, e.g. count(*)) and numeric come back as JS numbers (not strings, not BigInt);
 *   values beyond Number.MAX_SAFE_INTEGER would lose precision (none of our columns hold such).
 * - PostgreSQL TEXT cannot hold U+0000, which SQLite stores; a NUL in a string parameter (model or
 *   customer text reaching tickets.context, an order id typed by the model) would make the
 *   statement fail, so it is replaced by U+FFFD. JSON columns are unaffected (JSON escapes NUL).
 * - Parameters are sent untyped and PostgreSQL infers their type from the context; a bare
 *   `SELECT ?` therefore returns text: cast it (`CAST(? AS INTEGER)`) where no column gives a type.
 */
import postgres from 'postgres';
import type { SqlDriver, SqlQueryable, SqlValue } from './sql.js';

export interface PostgresDriverOptions {
  /** Pool size (postgres.js default: 10). */
  max?: number;
  /**
   * Named prepared statements (default true): postgres.js then parses a statement once per
   * connection and sends each later use in one round trip. Unprepared, a statement with
   * parameters costs two (Parse/Describe, wait for the parameter types, then Bind/Execute).
   * Turn it off behind a pooler in transaction mode (PgBouncer), which cannot keep them.
   */
  prepare?: boolean;
  /** Serialise exec() (migrations) across processes with an advisory lock (default true). */
  migrationLock?: boolean;
  /** Connections kept for transactions, beside the pool (default 4; see `transactions` below). */
  txMax?: number;
}

/** The advisory lock key taken by exec(): any constant bigint; advisory locks are per database. */
export const MIGRATION_LOCK_KEY = 7_355_608_042;

/**
 * Rewrites `?` placeholders to `$1..$n`, skipping string literals ('…', E'…'), quoted identifiers
 * ("…"), dollar-quoted bodies ($tag$…$tag$) and comments (-- …, /* … *\/). Returns the new text
 * and the number of placeholders.
 */
export function toPostgresPlaceholders(sql: string): { text: string; count: number } {
  let out = '';
  let n = 0;
  let i = 0;
  const len = sql.length;
  while (i < len) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '?') {
      out += `$${++n}`;
      i++;
    } else if (c === "'" || c === '"') {
      // E'…' strings accept backslash escapes; '' (or "") doubles the quote in both kinds
      const prev = sql[i - 1];
      const backslashEscapes = c === "'" && (prev === 'E' || prev === 'e') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '');
      let j = i + 1;
      while (j < len) {
        const d = sql[j]!;
        if (backslashEscapes && d === '\\') j += 2;
        else if (d === c && sql[j + 1] === c) j += 2;
        else if (d === c) break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? len : end;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '/' && next === '*') {
      // block comments nest in PostgreSQL
      let depth = 1;
      let j = i + 2;
      while (j < len && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') (depth++, (j += 2));
        else if (sql[j] === '*' && sql[j + 1] === '/') (depth--, (j += 2));
        else j++;
      }
      out += sql.slice(i, j);
      i = j;
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const prev = sql[i - 1] ?? '';
      if (tag && !/[A-Za-z0-9_]/.test(prev)) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const j = close === -1 ? len : close + tag[0].length;
        out += sql.slice(i, j);
        i = j;
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, count: n };
}

const NUL = /\u0000/g;
/** U+0000 → U+FFFD in string parameters (see above); the array is copied only when needed. */
function pgParams(params: SqlValue[]): SqlValue[] {
  return params.some((p) => typeof p === 'string' && p.includes('\u0000'))
    ? params.map((p) => (typeof p === 'string' ? p.replace(NUL, '\uFFFD') : p))
    : params;
}

/** A bounded memo of translated statements (the store uses a few dozen distinct texts). */
function translator(): (sql: string, params: SqlValue[]) => string {
  const cache = new Map<string, { text: string; count: number }>();
  return (sql, params) => {
    let t = cache.get(sql);
    if (!t) {
      t = toPostgresPlaceholders(sql);
      if (cache.size >= 500) cache.clear();
      cache.set(sql, t);
    }
    if (t.count !== params.length) {
      throw new RangeError(
        `SQL has ${t.count} placeholder(s) but ${params.length} parameter(s) were given: ${sql.slice(0, 120)}`,
      );
    }
    return t.text;
  };
}

/** int8 and numeric as JS numbers (postgres.js returns them as strings by default). */
const toNumber = (raw: string): number => Number(raw);

/** `postgres (host:port/db)` without user or password. */
function describe(options: { host: string[]; port: number[]; database: string; path?: string | undefined }): string {
  if (options.path) return `postgres (${options.path}/${options.database})`;
  const hosts = options.host.map((h, i) => `${h}:${options.port[i] ?? options.port[0] ?? 5432}`).join(',');
  return `postgres (${hosts}/${options.database})`;
}

/** Opens a pool on `url` (postgres://user@host:port/db). Connections are made lazily. */
export function createPostgresDriver(url: string, options: PostgresDriverOptions = {}): SqlDriver {
  const settings = {
    onnotice: () => {}, // "relation … already exists, skipping" at every migrate
    transform: { undefined: null },
    types: {
      int8: { to: 20, from: [20], serialize: (x: number) => String(x), parse: toNumber },
      numeric: { to: 1700, from: [1700], serialize: (x: number) => String(x), parse: toNumber },
    },
    connection: { application_name: 'support-agent' },
  };
  const sql = postgres(url, { ...settings, max: options.max ?? 10 });
  const transactions = transactionClients(() => postgres(url, { ...settings, max: 1 }), options.txMax ?? 4);
  const translate = translator();
  const migrationLock = options.migrationLock ?? true;
  const unsafeOptions = { prepare: options.prepare ?? true };

  type Runner = postgres.Sql | postgres.TransactionSql;
  const queryable = (runner: Runner): SqlQueryable => ({
    async all<T>(text: string, params: SqlValue[] = []): Promise<T[]> {
      const result = await runner.unsafe(translate(text, params), pgParams(params), unsafeOptions);
      return Array.from(result) as T[];
    },
    async run(text: string, params: SqlValue[] = []) {
      const result = await runner.unsafe(translate(text, params), pgParams(params), unsafeOptions);
      return { changes: result.count ?? 0 };
    },
  });
  const direct = queryable(sql);

  return {
    dialect: 'postgres',
    description: describe(sql.options),
    all: direct.all,
    run: direct.run,
    async tx<T>(fn: (q: SqlQueryable) => Promise<T>): Promise<T> {
      // postgres.js rolls back and rethrows when fn throws; the returned value is not an array of queries
      return transactions.lend(async (client) => (await client.begin((t) => fn(queryable(t)))) as T);
    },
    async exec(ddl: string) {
      if (!migrationLock) {
        await sql.unsafe(ddl).simple();
        return;
      }
      await transactions.lend((client) =>
        client.begin(async (t) => {
          await t.unsafe('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
          await t.unsafe(ddl).simple();
        }),
      );
    },
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), transactions.close()]);
    },
  };
}

/**
 * Transactions run on connections of their own, never on the pool's. postgres.js 3.4.9 (the
 * latest) can write a transaction's BEGIN on a pooled connection without reserving it: when the
 * BEGIN fills the connection's pipeline or meets a full socket buffer, and when a socket drains
 * while a transaction waits between statements (porsager/postgres#823, #1189, #1207). The BEGIN
 * then fails with UNSAFE_TRANSACTION and the connection goes back to the pool inside an open
 * transaction: later autocommit statements of other callers run inside it, and a ROLLBACK there
 * would undo writes whose callers were told they were committed. Seen here at 1000 turns at once
 * (bench:concurrency). Each of these clients has one connection (`max: 1`) and is lent to one
 * transaction at a time: its BEGIN is always the only statement on an idle connection (nothing
 * pipelined, nothing left in the write buffer), and no other caller's statement can reach that
 * connection, drained or not. `begin()` still binds the statements to the connection and fails
 * the transaction if it closes. A transaction body must not start another transaction (with all
 * clients lent out it would wait for itself); none does.
 */
function transactionClients(open: () => postgres.Sql, max: number) {
  const all: postgres.Sql[] = [];
  const idle: postgres.Sql[] = [];
  const waiting: Array<(client: postgres.Sql) => void> = [];
  return {
    async lend<T>(fn: (client: postgres.Sql) => Promise<T>): Promise<T> {
      let client = idle.pop();
      if (!client && all.length < Math.max(1, max)) all.push((client = open()));
      client ??= await new Promise<postgres.Sql>((resolve) => waiting.push(resolve));
      try {
        return await fn(client);
      } finally {
        const next = waiting.shift();
        if (next) next(client);
        else idle.push(client);
      }
    },
    async close(): Promise<void> {
      await Promise.all(all.map((client) => client.end({ timeout: 5 })));
    },
  };
}

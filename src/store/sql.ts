/**
 * A minimal SQL driver contract shared by SQLite and PostgreSQL. Queries use `?` placeholders
 * and portable SQL (ON CONFLICT … DO NOTHING, RETURNING); each driver adapts them.
 */
export type SqlValue = string | number | null;

export interface SqlQueryable {
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
}

/** Statements that run at once (the embedded SQLite driver, whose calls are synchronous). */
export interface SqlSyncQueryable {
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T[];
  run(sql: string, params?: SqlValue[]): { changes: number };
}

export interface TxOptions {
  /**
   * The commit must survive a power loss before `tx` resolves (an outbox row that precedes a
   * payment). SQLite runs this transaction with `synchronous = FULL` (the WAL is synced at its
   * commit); PostgreSQL commits are durable anyway (synchronous_commit = on).
   */
  durable?: boolean;
}

export interface SqlDriver extends SqlQueryable {
  readonly dialect: 'sqlite' | 'postgres';
  /** A human-readable location for health output, without credentials. */
  readonly description: string;
  /**
   * Runs `fn` in one transaction. On SQLite, serialised with every other transaction of the file
   * in this process; on PostgreSQL, concurrent READ COMMITTED transactions: write bodies as
   * conditional writes (`WHERE version = ?`, `ON CONFLICT`) as the store does.
   */
  tx<T>(fn: (q: SqlQueryable) => Promise<T>, options?: TxOptions): Promise<T>;
  /**
   * SQLite only: runs a synchronous `fn` atomically (in a savepoint of a group commit: the
   * bodies asked in one turn of the event loop share one BEGIN … COMMIT, and each resolves after
   * it). No other code of this process runs inside the transaction (an async body yields to
   * every other microtask at each await), so the file's write lock, which other processes on the
   * file wait for, is held for the statements alone. The hot commits (a new conversation, a step) use it.
   */
  txSync?<T>(fn: (q: SqlSyncQueryable) => T, options?: TxOptions): Promise<T>;
  /** Executes DDL (several statements). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

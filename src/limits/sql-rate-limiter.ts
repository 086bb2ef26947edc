/**
 * A rate-limiter-flexible store on the project's SqlDriver (SQLite or PostgreSQL): every instance
 * of the service on one database shares the counters, with no new infrastructure (no Redis).
 * The library's own RateLimiterSQLite / RateLimiterPostgres take a raw better-sqlite3 / pg / knex
 * client and create their tables themselves; ours uses the driver the store already has, the
 * `rate_limits` table of schema.ts (created by migrate) and one portable atomic upsert.
 */
import { createRequire } from 'node:module';
import { RateLimiterRes, type RateLimiterStoreAbstract } from 'rate-limiter-flexible';
import type { IRateLimiterStoreOptions } from 'rate-limiter-flexible';
import type { SqlDriver } from '../store/sql.js';

// The abstract store class is typed by the package but not exported by its entry point.
const require = createRequire(import.meta.url);
const StoreAbstract =
  require('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof RateLimiterStoreAbstract;

interface Row {
  points: number;
  expire_at: number | null;
}

/*
 * One statement, atomic on both databases: INSERT … ON CONFLICT DO UPDATE takes the row's lock
 * (PostgreSQL re-evaluates the SET against the committed row; SQLite has one writer). A window
 * that has expired restarts at the new points; SET expressions all read the old row.
 */
const UPSERT = `INSERT INTO rate_limits (key, points, expire_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
  points = CASE WHEN rate_limits.expire_at IS NULL OR rate_limits.expire_at > ?
    THEN rate_limits.points + excluded.points ELSE excluded.points END,
  expire_at = CASE WHEN rate_limits.expire_at IS NULL OR rate_limits.expire_at > ?
    THEN rate_limits.expire_at ELSE excluded.expire_at END
RETURNING points, expire_at`;

const REPLACE = `INSERT INTO rate_limits (key, points, expire_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET points = excluded.points, expire_at = excluded.expire_at
RETURNING points, expire_at`;

export interface RateLimiterSqlOptions extends Omit<IRateLimiterStoreOptions, 'storeClient'> {
  db: SqlDriver;
  /** Milliseconds since the epoch (tests pass a fixed clock). Instances should agree on time. */
  now?: () => number;
  /** How often expired rows are deleted, at most (default 5 minutes; 0: never automatically). */
  clearExpiredEveryMs?: number;
}

const toRow = (r: Record<string, unknown> | undefined): Row | null =>
  r ? { points: Number(r.points), expire_at: r.expire_at === null ? null : Number(r.expire_at) } : null;

export class RateLimiterSql extends StoreAbstract {
  private readonly db: SqlDriver;
  private readonly now: () => number;
  private readonly clearEveryMs: number;
  private lastClear: number;

  constructor(options: RateLimiterSqlOptions) {
    const { db, now, clearExpiredEveryMs, ...rest } = options;
    super({ ...rest, storeClient: db });
    this.db = db;
    this.now = now ?? Date.now;
    this.clearEveryMs = clearExpiredEveryMs ?? 5 * 60_000;
    this.lastClear = this.now();
  }

  /** Deletes every row whose window has ended. */
  async clearExpired(): Promise<void> {
    this.lastClear = this.now();
    await this.db.run('DELETE FROM rate_limits WHERE expire_at IS NOT NULL AND expire_at <= ?', [this.now()]);
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, result: Row): RateLimiterRes {
    const isFirstInDuration = changedPoints === result.points;
    const consumedPoints = isFirstInDuration ? changedPoints : result.points;
    const msBeforeNext = result.expire_at === null ? -1 : Math.max(result.expire_at - this.now(), 0);
    return new RateLimiterRes(
      Math.max(this.points - consumedPoints, 0),
      msBeforeNext,
      consumedPoints,
      isFirstInDuration,
    );
  }

  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<Row> {
    const at = this.now();
    const expireAt = msDuration > 0 ? at + msDuration : null;
    if (this.clearEveryMs > 0 && at - this.lastClear >= this.clearEveryMs) {
      this.clearExpired().catch(() => {}); // housekeeping; a failure is retried next time
    }
    const rows = forceExpire
      ? await this.db.all(REPLACE, [rlKey, points, expireAt])
      : await this.db.all(UPSERT, [rlKey, points, expireAt, at, at]);
    const row = toRow(rows[0]);
    if (!row) throw new Error('rate limit upsert returned no row');
    return row;
  }

  async _get(rlKey: string): Promise<Row | null> {
    const rows = await this.db.all(
      'SELECT points, expire_at FROM rate_limits WHERE key = ? AND (expire_at IS NULL OR expire_at > ?)',
      [rlKey, this.now()],
    );
    return toRow(rows[0]);
  }

  async _delete(rlKey: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM rate_limits WHERE key = ?', [rlKey])).changes > 0;
  }
}

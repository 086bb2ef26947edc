/**
 * The service's quotas over rate-limiter-flexible: per client address and per conversation at the
 * API (conversations created, messages), and the runtime's buckets (verification attempts,
 * tickets). Counters live in the shared database (RateLimiterSql), so every instance on one
 * PostgreSQL counts together; if the database fails, each instance counts in memory meanwhile.
 */
import { isIP } from 'node:net';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitBucket, LimitDecision, Limits } from '../runtime/limits.js';
import type { SqlDriver } from '../store/sql.js';
import type { RateSpec } from './rate-spec.js';
import { RateLimiterSql } from './sql-rate-limiter.js';

/**
 * API buckets: `conversation` (creations per address), `message` (messages per address),
 * `conversation-message` (messages per conversation); runtime buckets: `verify`, `ticket`.
 */
export type ApiLimitBucket = 'conversation' | 'message' | 'conversation-message';
export type RateBucket = ApiLimitBucket | LimitBucket;

export interface RateLimits extends Limits {
  consume(bucket: RateBucket, key: string): Promise<LimitDecision>;
}

/** Expands an IPv6 address to its 8 groups (no zone), or null. */
function ipv6Groups(address: string): string[] | null {
  const plain = address.split('%')[0] ?? '';
  if (isIP(plain) !== 6) return null;
  const [head = '', tail] = plain.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  if (right.some((g) => g.includes('.')) || left.some((g) => g.includes('.'))) return null; // embedded IPv4
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) =>
    (g || '0').toLowerCase().replace(/^0+(?=.)/, ''),
  );
}

/**
 * The key an address is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64 (one
 * subscriber usually holds a whole /64), anything that is not an address unchanged.
 */
export function addressKey(key: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(key);
  if (mapped?.[1]) return mapped[1];
  const groups = ipv6Groups(key);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : key;
}

export interface RateLimitsOptions {
  /** The shared database; without it, counters are in this process's memory only. */
  db?: SqlDriver;
  /** A spec per bucket; a missing or null bucket is not limited. */
  specs: Partial<Record<RateBucket, RateSpec | null>>;
  now?: () => number;
}

/** Builds the quotas; `consume` never throws (a store failure falls back to in-memory counting). */
export function createRateLimits(options: RateLimitsOptions): RateLimits {
  const limiters = new Map<RateBucket, RateLimiterAbstract>();
  for (const [bucket, spec] of Object.entries(options.specs) as Array<[RateBucket, RateSpec | null | undefined]>) {
    if (!spec) continue;
    const base = { keyPrefix: `rl:${bucket}`, points: spec.points, duration: spec.durationSeconds };
    const memory = new RateLimiterMemory(base);
    limiters.set(
      bucket,
      options.db
        ? new RateLimiterSql({
            ...base,
            db: options.db,
            ...(options.now ? { now: options.now } : {}),
            insuranceLimiter: memory,
            // once a key is over its limit, refuse it from memory until its window ends (no DB write)
            inMemoryBlockOnConsumed: spec.points + 1,
          })
        : memory,
    );
  }
  return {
    async consume(bucket, key) {
      const limiter = limiters.get(bucket);
      if (!limiter) return { ok: true };
      try {
        await limiter.consume(addressKey(key));
        return { ok: true };
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
        }
        return { ok: true }; // both the store and the in-memory fallback failed: do not refuse service
      }
    },
  };
}

/**
 * Quotas the runtime enforces from the turn loop (verification attempts, tickets per address).
 * Pure types and a no-op: the implementation over rate-limiter-flexible lives in src/limits,
 * and main.ts passes it in, so the runtime never names a library.
 */

/** `verify`: one email probe (a get_customer attempt); `ticket`: one ticket opened. */
export type LimitBucket = 'verify' | 'ticket';

export type LimitDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface Limits {
  /** Takes one unit of `bucket` for `key` (e.g. the client address, or the conversation id). */
  consume(bucket: LimitBucket, key: string): Promise<LimitDecision>;
}

/** Never refuses (tests, the CLI, and deployments that configure no quota). */
export const unlimited: Limits = {
  consume: async () => ({ ok: true }),
};

/** Thrown when a quota refuses; the API answers 429 with `Retry-After`. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many requests; try again later');
    this.name = 'RateLimitedError';
  }
}

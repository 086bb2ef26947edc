/**
 * Quotas at the API: conversations created and messages sent, per client address and per
 * conversation. The counting itself is src/limits (rate-limiter-flexible on the shared database);
 * this file decides what a request consumes.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { RateLimitedError, type LimitDecision } from '../runtime/limits.js';
import { clientAddress } from './client-address.js';

/** `conversation`: creations per address; `message`: messages per address; `conversation-message`: per conversation. */
export type ApiLimitBucket = 'conversation' | 'message' | 'conversation-message';

export interface ApiLimits {
  consume(bucket: ApiLimitBucket, key: string): Promise<LimitDecision>;
}

export interface RequestGuard {
  /** The client address (see client-address.ts), or undefined without a socket. */
  client(c: Context): string | undefined;
  /** A new conversation (or prototype session) from this client. Throws RateLimitedError. */
  newConversation(c: Context): Promise<void>;
  /**
   * A message to conversation `id` presented with `token`. The per-conversation key hashes the id
   * with the token, so only the token's holder spends the conversation's quota: someone who merely
   * knows the id cannot lock its owner out (their attempts count against their own address).
   */
  message(c: Context, id: string, token: string): Promise<void>;
}

const UNKNOWN_CLIENT = 'unknown';

export function createRequestGuard(limits: ApiLimits | undefined, trustedHops: number): RequestGuard {
  const client = (c: Context) => clientAddress(c, trustedHops);
  const take = async (bucket: ApiLimitBucket, key: string) => {
    if (!limits) return;
    const decision = await limits.consume(bucket, key);
    if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds);
  };
  return {
    client,
    newConversation: (c) => take('conversation', client(c) ?? UNKNOWN_CLIENT),
    async message(c, id, token) {
      await take('message', client(c) ?? UNKNOWN_CLIENT);
      const key = createHash('sha256').update(`${id}\u0000${token}`).digest('base64url').slice(0, 32);
      await take('conversation-message', key);
    },
  };
}

/**
 * What an effect kind is: how its outbox row is built from the machine's context, how it runs
 * against the backends with its idempotency key, and which outcome event it produces. One module
 * per kind; the registry type is keyed by every kind the machine can emit, so a kind without a
 * module (or a module without a part) does not compile.
 */
import type { z } from 'zod';
import type { Backends } from '../backends/types.js';
import type { ConversationContext } from '../machines/conversation.context.js';
import type { EffectKind, EffectParamsOf } from '../machines/conversation.effects.js';
import type { ConversationEvent } from '../machines/conversation.events.js';
import type { Clock } from '../policy.js';
import type { RetryOptions } from '../retry.js';

/** Named crash points for fault injection (SUPPORT_FAULT): the process dies there. */
export type FaultPoint = 'before-payment' | 'after-payment' | 'after-commit';

export interface EffectDeps {
  backends: Backends;
  clock: Clock;
  retry: RetryOptions;
  fault?: (point: FaultPoint) => void;
}

/** Extra text the runtime knows and the context does not (the customer's words, for a ticket). */
export interface EffectExtras {
  ticketContext: string;
}

export interface EffectModule<K extends EffectKind, Req, Out> {
  kind: K;
  /** Validates a stored request (rows are JSON: read them back through the schema, never by a cast). */
  requestSchema: z.ZodType<Req>;
  /** The outbox row for the new context, or null when there is nothing to do. */
  request(
    ctx: ConversationContext,
    params: EffectParamsOf<K>,
    extras: EffectExtras,
  ): { key: string; request: Req } | null;
  /** Runs it once with its key. Never throws for backend failures: they are outcomes. */
  execute(request: Req, deps: EffectDeps): Promise<Out>;
  /** The stored status: done or failed, or null to keep the row pending (unknown: retried with the same key). */
  status(outcome: Out): 'done' | 'failed' | null;
  /** The machine event recording the outcome, or null when there is none. */
  outcomeEvent(outcome: Out, request: Req): ConversationEvent | null;
  /** What the customer's live view shows of it (null: nothing). */
  notice(outcome: Out): { kind: K; payload: Record<string, unknown> } | null;
}

// The registry is heterogeneous by design: each entry is checked against its own kind.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEffectModule = EffectModule<EffectKind, any, any>;
export type EffectRegistry = { [K in EffectKind]: EffectModule<K, any, any> };

/**
 * The durable step: apply one machine event to a conversation in one store transaction
 * (compare-and-swap the snapshot, append the audit events, insert the effects it emitted,
 * record effect outcomes), and execute outbox effects exactly once per idempotency key.
 */
import { randomBytes } from 'node:crypto';
import type { Backends, RefundRequest, TicketRequest } from '../backends/types.js';
import { PaymentDeclinedError } from '../backends/types.js';
import { refundKey, ticketKey } from '../machines/conversation.context.js';
import { conversationEventSchema, type ConversationEvent } from '../machines/conversation.events.js';
import type { Clock } from '../policy.js';
import type { ConversationRecord, ConversationStore, EffectRecord, EffectStatus, NewEffect, NewEvent } from '../store/types.js';
import { type ConversationSnapshot, persist, restore, stateOf, step } from './conversation-state.js';
import { type RetryOptions, withRetries } from './retry.js';

/** Named crash points for fault injection (SUPPORT_FAULT): the process dies there. */
export type FaultPoint = 'before-payment' | 'after-payment' | 'after-commit';

export interface EngineDeps {
  store: ConversationStore;
  backends: Backends;
  clock: Clock;
  retry: RetryOptions;
  /** Who holds claims and leases (unique per process). */
  instanceId: string;
  /** How long an effect claim lasts before another process may take it over. */
  effectClaimMs: number;
  fault?: (point: FaultPoint) => void;
}

/** A conversation loaded for work: its record and restored snapshot, kept in step with the store. */
export interface Loaded {
  record: ConversationRecord;
  snapshot: ConversationSnapshot;
  turn: number;
}

export type ApplyResult =
  | { ok: true; effects: string[] }
  | { ok: false; reason: 'refused' }
  | { ok: false; reason: 'duplicate_effect'; idempotencyKey: string };

export type EffectOutcome =
  | { kind: 'refund'; status: 'done'; refundId: string; orderId: string; amountCents: number; processedAt: string }
  | { kind: 'refund'; status: 'failed' | 'unknown'; orderId: string }
  | { kind: 'ticket'; status: 'done'; ticketId: string; priority: string }
  | { kind: 'ticket'; status: 'unknown' };

export function createEngine(deps: EngineDeps) {
  const { store, backends, clock } = deps;
  const iso = (offsetMs = 0) => new Date(clock().getTime() + offsetMs).toISOString();

  async function reload(loaded: Loaded): Promise<void> {
    const record = await store.getConversation(loaded.record.id);
    if (!record) throw new Error('conversation vanished');
    loaded.record = record;
    loaded.snapshot = restore(record.snapshot, record.machineVersion);
  }

  function effectsFor(next: ConversationSnapshot, marks: { refund: boolean; ticket: boolean }, turnContext: string): NewEffect[] {
    const ctx = next.context;
    const out: NewEffect[] = [];
    if (marks.refund && ctx.pendingRefund && ctx.customer) {
      const request: RefundRequest = {
        idempotencyKey: refundKey(ctx.pendingRefund.orderId),
        orderId: ctx.pendingRefund.orderId,
        customerId: ctx.customer.customerId,
        amountCents: ctx.pendingRefund.amountCents,
        reason: ctx.pendingRefund.reason,
        conversationId: ctx.conversationId,
      };
      out.push({ idempotencyKey: request.idempotencyKey, kind: 'refund', request });
    }
    if (marks.ticket && ctx.escalation) {
      const e = ctx.escalation;
      const key = ticketKey(ctx.conversationId, e.raised ? e.priority : undefined);
      out.push({
        idempotencyKey: key,
        kind: 'ticket',
        request: {
          idempotencyKey: key,
          priority: e.priority,
          reason: e.reason,
          context: [e.summary, `Escalated by: ${e.source}.`, turnContext].filter(Boolean).join(' '),
          customerId: ctx.customer?.customerId ?? null,
          orderId: e.orderId,
          conversationId: ctx.conversationId,
        },
      });
    }
    return out;
  }

  /**
   * Applies `event` durably. On a version conflict the conversation is reloaded and the event
   * re-checked against the fresh snapshot, so a concurrent writer can never be overwritten.
   */
  async function apply(
    loaded: Loaded,
    event: ConversationEvent,
    options: { events?: NewEvent[]; completeEffects?: Array<{ idempotencyKey: string; status: EffectStatus; response: unknown }>; ticketContext?: string } = {},
  ): Promise<ApplyResult> {
    // facts are built from backend data: an event off the contract is a bug, never a transition
    conversationEventSchema.parse(event);
    for (let attempt = 0; attempt < 5; attempt++) {
      const from = stateOf(loaded.snapshot);
      const result = step(loaded.snapshot, event);
      if (!result) return { ok: false, reason: 'refused' };
      const effects = effectsFor(result.next, result, options.ticketContext ?? '');
      const committed = await store.commit({
        conversationId: loaded.record.id,
        expectedVersion: loaded.record.version,
        snapshot: persist(result.next),
        turn: loaded.turn,
        events: [...(options.events ?? []), { kind: 'fact', payload: { event, from, to: stateOf(result.next) } }],
        effects,
        ...(options.completeEffects ? { completeEffects: options.completeEffects } : {}),
      });
      if (committed.ok) {
        loaded.snapshot = result.next;
        loaded.record = { ...loaded.record, version: committed.version, snapshot: persist(result.next), turn: loaded.turn };
        return { ok: true, effects: effects.map((e) => e.idempotencyKey) };
      }
      if (committed.reason === 'duplicate_effect') return committed;
      await reload(loaded);
    }
    throw new Error('conversation is changing too fast; giving up');
  }

  /** Calls the backend for an effect, with retries. Never throws for backend failures. */
  async function execute(effect: EffectRecord): Promise<EffectOutcome> {
    if (effect.kind === 'refund') {
      const req = effect.request as RefundRequest;
      deps.fault?.('before-payment');
      try {
        const refund = await withRetries(() => backends.payments.refund(req), deps.retry, (e) => e instanceof PaymentDeclinedError);
        deps.fault?.('after-payment');
        return { kind: 'refund', status: 'done', refundId: refund.refundId, orderId: refund.orderId, amountCents: refund.amountCents, processedAt: refund.createdAt };
      } catch (error) {
        return { kind: 'refund', status: error instanceof PaymentDeclinedError ? 'failed' : 'unknown', orderId: req.orderId };
      }
    }
    try {
      const request = effect.request as TicketRequest;
      const ticket = await withRetries(() => backends.tickets.open(request), deps.retry);
      return { kind: 'ticket', status: 'done', ticketId: ticket.ticketId, priority: ticket.priority };
    } catch {
      return { kind: 'ticket', status: 'unknown' };
    }
  }

  function outcomeEvent(outcome: EffectOutcome): ConversationEvent | null {
    if (outcome.kind === 'ticket') return outcome.status === 'done' ? { type: 'ticket.created', ticketId: outcome.ticketId } : null;
    if (outcome.status === 'done') return { type: 'refund.succeeded', orderId: outcome.orderId, refundId: outcome.refundId };
    if (outcome.status === 'failed') return { type: 'refund.failed', orderId: outcome.orderId };
    return { type: 'refund.unknown', orderId: outcome.orderId };
  }

  /**
   * Runs one pending effect to its outcome and records it on the conversation. Returns null when
   * the effect is not pending or another process holds its claim.
   */
  async function runEffect(loaded: Loaded, idempotencyKey: string): Promise<EffectOutcome | null> {
    const effect = await store.getEffect(idempotencyKey);
    if (!effect || effect.status !== 'pending') return null;
    // a fresh token per attempt: not even this process may run one effect twice at once (turn and sweep)
    const holder = `${deps.instanceId}:${randomBytes(6).toString('hex')}`;
    const claimed = await store.claimEffect(idempotencyKey, holder, iso(deps.effectClaimMs), iso());
    if (!claimed) return null;
    const outcome = await execute(effect);
    const event = outcomeEvent(outcome);
    const status: EffectStatus | null = outcome.status === 'done' ? 'done' : outcome.status === 'failed' ? 'failed' : null;
    const effectEvent: NewEvent = { kind: 'effect', payload: { idempotencyKey, kind: effect.kind, outcome } };
    if (status === null) {
      // outcome unknown: keep the effect pending for reconciliation with the same key (I8)
      await store.releaseEffect(idempotencyKey, holder);
      if (event) await apply(loaded, event, { events: [effectEvent] });
      else await store.appendEvents(loaded.record.id, loaded.turn, [effectEvent]);
      return outcome;
    }
    const completeEffects = [{ idempotencyKey, status, response: outcome }];
    const applied = event ? await apply(loaded, event, { events: [effectEvent], completeEffects }) : { ok: false as const, reason: 'refused' as const };
    if (!applied.ok) {
      // the machine had moved on (e.g. escalated): still record the outcome on the effect, once
      for (let attempt = 0; attempt < 5; attempt++) {
        const recorded = await store.commit({
          conversationId: loaded.record.id,
          expectedVersion: loaded.record.version,
          snapshot: loaded.record.snapshot,
          turn: loaded.turn,
          events: [effectEvent],
          completeEffects,
        });
        await reload(loaded);
        if (recorded.ok) break;
      }
    }
    deps.fault?.('after-commit');
    return outcome;
  }

  /** Runs the given effects and any they cause (a failed refund opens a ticket), in order. */
  async function runEffects(loaded: Loaded, keys: string[]): Promise<EffectOutcome[]> {
    const outcomes: EffectOutcome[] = [];
    const queue = [...keys];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const key = queue.shift()!;
      if (seen.has(key)) continue;
      seen.add(key);
      const before = loaded.record.version;
      const outcome = await runEffect(loaded, key);
      if (outcome) outcomes.push(outcome);
      if (loaded.record.version !== before) {
        const pending = await store.listPendingEffects(loaded.record.id);
        for (const p of pending) if (!seen.has(p.idempotencyKey) && !queue.includes(p.idempotencyKey)) queue.push(p.idempotencyKey);
      }
    }
    return outcomes;
  }

  return { apply, runEffect, runEffects, reload, execute };
}

export type Engine = ReturnType<typeof createEngine>;

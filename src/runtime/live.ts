/**
 * Live events: every commit is published in this process, and any process can read a
 * conversation's log after a known position (`n`, assigned in commit order under the row lock),
 * so a stream resumes exactly with `Last-Event-ID` and follows commits made by other processes.
 */
import type { StoredEvent } from '../store/types.js';
import { payloadOf } from './event-payloads.js';

export type LiveAudience = 'customer' | 'operator';

/** One server-sent event for a stored event, or null when the audience does not see it. */
export interface LiveEvent {
  id: number;
  event: 'message' | 'state' | 'refund' | 'proposal';
  data: Record<string, unknown>;
}

export function toLiveEvent(e: StoredEvent, audience: LiveAudience): LiveEvent | null {
  const base = { id: e.n };
  const said = payloadOf(e, 'customer_message');
  if (said) return { ...base, event: 'message', data: { role: 'customer', text: said.text, at: e.createdAt } };
  const reply = payloadOf(e, 'reply');
  if (reply) return { ...base, event: 'message', data: { role: 'agent', text: reply.text, at: e.createdAt } };
  const person = payloadOf(e, 'operator_message');
  if (person)
    return {
      ...base,
      event: 'message',
      data: { role: 'operator', text: person.text, author: person.operator, at: e.createdAt },
    };
  const notice = payloadOf(e, 'notice');
  if (notice)
    return {
      ...base,
      event: 'message',
      data: { role: 'system', text: notice.text, topic: notice.topic, at: e.createdAt },
    };
  const fact = payloadOf(e, 'fact');
  if (fact && fact.from !== fact.to) {
    const extra = fact as { status?: unknown; awaiting?: unknown };
    return {
      ...base,
      event: 'state',
      data: { state: fact.to, status: extra.status ?? null, awaiting: extra.awaiting ?? null, at: e.createdAt },
    };
  }
  const effect = payloadOf(e, 'effect');
  if (effect?.kind === 'refund' && effect.outcome && typeof effect.outcome === 'object') {
    const o = effect.outcome as { status?: string; orderId?: string; amountCents?: number; refundId?: string };
    const status = o.status === 'done' ? 'processed' : o.status === 'failed' ? 'declined' : 'confirming';
    return {
      ...base,
      event: 'refund',
      data: {
        order_id: o.orderId ?? null,
        amount: typeof o.amountCents === 'number' ? o.amountCents / 100 : null,
        status,
        ...(o.refundId ? { refund_id: o.refundId } : {}),
        at: e.createdAt,
      },
    };
  }
  const proposal = audience === 'operator' ? payloadOf(e, 'proposal') : null;
  if (proposal)
    return {
      ...base,
      event: 'proposal',
      data: {
        tool: proposal.tool,
        state: proposal.state,
        decision: proposal.decision,
        reason: proposal.reason,
        invariant: proposal.invariant,
        source: proposal.source ?? 'chat',
        at: e.createdAt,
      },
    };
  return null;
}

type Listener = (events: StoredEvent[]) => void;

/** In-process publication of commits (the engine's `committed` hook feeds it). */
export function createLiveBus() {
  const listeners = new Map<string, Set<Listener>>();
  const everyone = new Set<(id: string, events: StoredEvent[]) => void>();
  return {
    publish(conversationId: string, events: StoredEvent[]) {
      for (const l of listeners.get(conversationId) ?? []) l(events);
      for (const l of everyone) l(conversationId, events);
    },
    subscribe(conversationId: string, listener: Listener): () => void {
      let set = listeners.get(conversationId);
      if (!set) listeners.set(conversationId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(conversationId);
      };
    },
    /** How many listeners follow a conversation (streams unsubscribe when their client goes away). */
    listeners: (conversationId: string) => listeners.get(conversationId)?.size ?? 0,
    /** Every commit of every conversation (the live inspector, metrics). */
    subscribeAll(listener: (id: string, events: StoredEvent[]) => void): () => void {
      everyone.add(listener);
      return () => everyone.delete(listener);
    },
  };
}

export type LiveBus = ReturnType<typeof createLiveBus>;

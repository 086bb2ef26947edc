/**
 * Reads the whole message history once: what the customer asks about which order (latest
 * wording wins, a retraction included), the refund offers made, and where the current turn
 * starts. An operator's handback note starts a fresh turn: what came before it was handled.
 */
import type { ModelMessage } from '../types.js';
import type { Intent, RefundReason } from './extract.js';
import { type CustomerMessage, type ToolCall, flatten, inputOrderId, str } from './history.js';

export type { CustomerMessage, ToolCall } from './history.js';
export { inputOrderId, parseJson, str } from './history.js';

/** What the customer wants for one order; latest message wins. */
export interface OrderRequest {
  orderId: string;
  intent: Intent | 'info';
  reason: RefundReason | null;
  /** When the customer last wrote the order id (a lookup after it need not be repeated). */
  mentionedAt: number;
  /** When the customer last said something about this order (id or a follow-up like "refund it"). */
  touchedAt: number;
}

export interface Analysis {
  messages: CustomerMessage[];
  latest: CustomerMessage | null;
  /** Where the current turn starts (the latest customer message, or a later handback note). */
  turnStart: number;
  calls: ToolCall[];
  /** Every email the customer wrote, in order of last mention (latest last). */
  emails: string[];
  orders: Map<string, OrderRequest>;
  /** An intent stated without an order id that no order has taken up yet. */
  pending: { intent: Intent; reason: RefundReason | null } | null;
  /** Assistant text written before the current turn. */
  earlierReplies: string[];
  /** The latest message said yes to the previous reply's offer to pass the case to the team. */
  acceptedTeamOffer: boolean;
  /** The latest refund offer made per order (an accepted process_refund awaiting the customer's yes). */
  offers: Map<string, number>;
  /** The latest thing in the history is an operator's handback note. */
  afterHandback: boolean;
  /** Offers whose answer code applied in this turn (what happened was already said to the customer). */
  answeredThisTurn: Map<string, 'refunded' | 'declined' | 'approval' | 'other'>;
}

/** Offers in a reply that a bare "yes" accepts (the planner reads its own earlier replies). */
export const TEAM_OFFER = 'Would you like me to pass this to a member of our team?';
export const YES_OFFER = 'just say yes';

/** Results that are not an offer waiting for the customer: a refund made, confirming, declined, a ticket. */
const NOT_AN_OFFER = new Set(['processed', 'confirming', 'declined', 'open']);

/** An accepted process_refund that neither refunded nor escalated: an offer the customer must confirm. */
export function isOffer(c: ToolCall): boolean {
  const r = c.result;
  if (c.name !== 'process_refund' || !r || r.isError || !r.json) return false;
  return !str(r.json.refund_id) && !str(r.json.ticket_id) && !NOT_AN_OFFER.has(str(r.json.status) ?? '');
}

export function analyse(history: ModelMessage[]): Analysis {
  const { messages, calls, replies, notes, answered } = flatten(history);
  const latest = messages[messages.length - 1] ?? null;
  const lastNote = notes[notes.length - 1] ?? 0;
  const turnStart = Math.max(latest?.at ?? 0, lastNote);
  const emails: string[] = [];
  const orders = new Map<string, OrderRequest>();
  let pending = null as Analysis['pending'];
  let lastOrders: string[] = [];
  // the last intent stated with order ids: a bare order id that follows it may take it over
  let lastIntent: { intent: Intent; reason: RefundReason | null; orderIds: string[] } | null = null;
  const notFound = new Set(
    calls.filter((c) => c.name === 'lookup_order' && c.result?.json?.found === false).map((c) => inputOrderId(c) ?? ''),
  );
  // positions only grow along the history: the lookups below are binary searches, not scans
  const lastBefore = <T extends { at: number }>(list: T[], at: number): T | undefined => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    return list[lo - 1];
  };
  const replyBefore = (at: number): string => lastBefore(replies, at)?.text ?? '';
  // a refund offer (written by code) made since the previous customer message: a bare "yes" answers that offer,
  // not one of the planner's own
  const offerAts = calls.filter(isOffer).map((c) => ({ at: c.at }));
  const offerBefore = (at: number): boolean => {
    const previous = lastBefore(messages, at)?.at ?? 0;
    const offer = lastBefore(offerAts, at);
    return offer !== undefined && offer.at > previous;
  };
  const touch = (id: string, intent: Intent, at: number, reason?: RefundReason | null) => {
    const prev = orders.get(id);
    if (prev) orders.set(id, { ...prev, intent, reason: reason ?? prev.reason, touchedAt: at });
  };

  let noteIndex = 0;
  // a person handled what came before a handback note: earlier requests are not acted on again
  const handledUpTo = (at: number) => {
    while (noteIndex < notes.length && notes[noteIndex]! < at) {
      noteIndex++;
      for (const o of orders.values()) orders.set(o.orderId, { ...o, intent: 'info' });
      pending = null;
      lastIntent = null;
    }
  };
  for (const msg of messages) {
    handledUpTo(msg.at);
    const s = msg.signals;
    if (s.affirmative && !s.orderIds.length && offerBefore(msg.at)) continue;
    if (s.affirmative && !s.orderIds.length) {
      // "yes" to "I can refund order X for you: just say yes"
      const offered = replyBefore(msg.at)
        .split(/(?<=[.?!])\s+/)
        .filter((sentence) => sentence.includes(YES_OFFER))
        .flatMap((sentence) => sentence.match(/ORD-\d+/g) ?? []);
      for (const id of offered) touch(id, 'refund', msg.at);
      if (offered.length) continue;
    }
    for (const e of s.emails) {
      const i = emails.indexOf(e.email);
      if (i >= 0) emails.splice(i, 1);
      emails.push(e.email);
    }
    if (s.orderIds.length) {
      // "and ORD-1042?" after a status question asks the same; a corrected id after one that was not found too
      const carried =
        lastIntent && (lastIntent.intent === 'status' || lastIntent.orderIds.every((id) => notFound.has(id)))
          ? lastIntent
          : null;
      for (const id of s.orderIds) {
        const prev = orders.get(id);
        const ask = s.perOrder.get(id);
        orders.set(id, {
          orderId: id,
          intent: ask?.intent ?? pending?.intent ?? prev?.intent ?? carried?.intent ?? 'info',
          reason: ask?.reason ?? pending?.reason ?? prev?.reason ?? carried?.reason ?? null,
          mentionedAt: msg.at,
          touchedAt: msg.at,
        });
      }
      const first = s.perOrder.get(s.orderIds[0]!);
      const intent = first?.intent ?? pending?.intent;
      if (intent) lastIntent = { intent, reason: first?.reason ?? pending?.reason ?? null, orderIds: s.orderIds };
      pending = null;
      lastOrders = s.orderIds;
    } else if (s.floating.intent === 'no_refund') {
      // "forget the refund": every refund asked for and not made is taken back
      for (const o of orders.values())
        if (o.intent === 'refund' || o.intent === 'options') touch(o.orderId, 'no_refund', msg.at);
      for (const id of lastOrders) touch(id, 'no_refund', msg.at);
      pending = null;
    } else if (s.floating.intent) {
      const targets = s.floating.allOrders ? lastOrders : lastOrders.slice(-1);
      if (targets.length && !s.otherOrder)
        for (const id of targets) touch(id, s.floating.intent, msg.at, s.floating.reason);
      else {
        const reason = s.floating.reason ?? (pending?.intent === s.floating.intent ? pending.reason : null);
        pending = { intent: s.floating.intent, reason };
      }
    }
  }

  handledUpTo(Infinity);
  const offers = new Map<string, number>();
  for (const c of calls) if (isOffer(c)) offers.set(inputOrderId(c) ?? '', c.at);
  return {
    messages,
    latest,
    turnStart,
    calls,
    emails,
    orders,
    pending,
    earlierReplies: replies.filter((r) => r.at < turnStart).map((r) => r.text),
    acceptedTeamOffer:
      latest !== null &&
      latest.signals.affirmative &&
      !offerBefore(latest.at) &&
      replyBefore(latest.at).includes(TEAM_OFFER),
    offers,
    afterHandback: lastNote > (latest?.at ?? 0),
    answeredThisTurn: new Map(answered.filter((n) => n.at > (latest?.at ?? 0)).map((n) => [n.orderId, n.outcome])),
  };
}

/** Calls made in the current turn. */
export const turnCalls = (a: Analysis): ToolCall[] => a.calls.filter((c) => c.at > a.turnStart);

/** A key per action: one per tool and order (or email, or code) per turn. */
export function callKey(name: string, input: Record<string, unknown>): string {
  const target = inputOrderId({ input }) ?? str(input.email)?.toLowerCase() ?? str(input.code) ?? '';
  return name === 'escalate_to_human' ? name : `${name}:${target}`;
}

/** The latest lookup of an order (any turn). */
export function lastLookup(a: Analysis, orderId: string): ToolCall | null {
  for (let i = a.calls.length - 1; i >= 0; i--) {
    const c = a.calls[i]!;
    if (c.name === 'lookup_order' && inputOrderId(c) === orderId && c.result) return c;
  }
  return null;
}

/** The latest refund call for an order with a result, optionally only one whose result came in this turn. */
export function lastRefundCall(a: Analysis, orderId: string, thisTurn: boolean): ToolCall | null {
  for (let i = a.calls.length - 1; i >= 0; i--) {
    const c = a.calls[i]!;
    if (c.name !== 'process_refund' || inputOrderId(c) !== orderId || !c.result) continue;
    if (thisTurn && c.result.at <= a.turnStart) continue;
    return c;
  }
  return null;
}

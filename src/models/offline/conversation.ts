/**
 * Reads the whole message history once: the customer's messages (and what they ask about which
 * order), every tool call with its result, and where the current turn starts.
 */
import type { ModelMessage } from '../types.js';
import { readMessage, type Intent, type MessageSignals, type RefundReason } from './extract.js';

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** Position in the flattened history (customer messages and calls share one counter). */
  at: number;
  result: { content: string; isError: boolean; json: Record<string, unknown> | null } | null;
}

export interface CustomerMessage {
  text: string;
  at: number;
  signals: MessageSignals;
}

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
  /** Position of the latest customer message: calls after it belong to this turn. */
  turnStart: number;
  calls: ToolCall[];
  /** Emails in order of last mention (latest last). */
  emails: string[];
  orders: Map<string, OrderRequest>;
  /** An intent stated without an order id that no order has taken up yet. */
  pending: { intent: Intent; reason: RefundReason | null } | null;
  /** Assistant text written before the latest customer message. */
  earlierReplies: string[];
  /** The latest message said yes to the previous reply's offer to pass the case to the team. */
  acceptedTeamOffer: boolean;
}

/** Offers in a reply that a bare "yes" accepts (the planner reads its own earlier replies). */
export const TEAM_OFFER = 'Would you like me to pass this to a member of our team?';
export const YES_OFFER = 'just say yes';

export function parseJson(content: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(content);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const asRecord = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The order id a tool input refers to, normalised like the tools do. */
export const inputOrderId = (call: Pick<ToolCall, 'input'>): string | null => str(call.input.order_id)?.trim().toUpperCase() ?? null;

export function analyse(history: ModelMessage[]): Analysis {
  const messages: CustomerMessage[] = [];
  const calls: ToolCall[] = [];
  const byId = new Map<string, ToolCall>();
  const replies: Array<{ at: number; text: string }> = [];
  let at = 0;
  for (const m of history) {
    if (m.role === 'user') {
      const blocks = typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content;
      for (const b of blocks) {
        at++;
        if (b.type === 'text') {
          if (b.text === '(conversation start)') continue;
          messages.push({ text: b.text, at, signals: readMessage(b.text) });
        } else if (b.type === 'tool_result') {
          const call = byId.get(b.tool_use_id);
          const content = typeof b.content === 'string' ? b.content : JSON.stringify(b.content ?? '');
          if (call) call.result = { content, isError: b.is_error === true, json: parseJson(content) };
        }
      }
    } else {
      for (const b of m.content) {
        at++;
        if (b.type === 'tool_use') {
          const call: ToolCall = { id: b.id, name: b.name, input: asRecord(b.input), at, result: null };
          calls.push(call);
          byId.set(b.id, call);
        } else if (b.type === 'text') replies.push({ at, text: b.text });
      }
    }
  }

  const latest = messages[messages.length - 1] ?? null;
  const turnStart = latest?.at ?? 0;
  const emails: string[] = [];
  const orders = new Map<string, OrderRequest>();
  let pending = null as Analysis['pending'];
  let lastOrder: string | null = null;
  // the last intent stated with order ids: a bare order id that follows it may take it over
  let lastIntent: { intent: Intent; reason: RefundReason | null; orderIds: string[] } | null = null;
  const notFound = new Set(calls.filter((c) => c.name === 'lookup_order' && c.result?.json?.found === false).map((c) => inputOrderId(c) ?? ''));

  const replyBefore = (at: number): string => {
    let text = '';
    for (const r of replies) if (r.at < at) text = r.text;
    return text;
  };

  for (const msg of messages) {
    const s = msg.signals;
    if (s.affirmative && !s.orderIds.length) {
      // "yes" to "I can refund order X for you: just say yes"
      const offered = replyBefore(msg.at)
        .split(/(?<=[.?!])\s+/)
        .filter((sentence) => sentence.includes(YES_OFFER))
        .flatMap((sentence) => sentence.match(/ORD-\d+/g) ?? []);
      for (const id of offered) {
        const prev = orders.get(id);
        if (prev) orders.set(id, { ...prev, intent: 'refund', touchedAt: msg.at });
      }
      if (offered.length) continue;
    }
    for (const e of s.emails) {
      const i = emails.indexOf(e);
      if (i >= 0) emails.splice(i, 1);
      emails.push(e);
    }
    if (s.orderIds.length) {
      // "and ORD-1042?" after a status question asks the same; a corrected id after one that was not found too
      const carried =
        lastIntent && (lastIntent.intent === 'status' || lastIntent.orderIds.every((id) => notFound.has(id))) ? lastIntent : null;
      for (const id of s.orderIds) {
        const prev = orders.get(id);
        orders.set(id, {
          orderId: id,
          intent: s.intent ?? pending?.intent ?? prev?.intent ?? carried?.intent ?? 'info',
          reason: s.reason ?? pending?.reason ?? prev?.reason ?? carried?.reason ?? null,
          mentionedAt: msg.at,
          touchedAt: msg.at,
        });
      }
      const intent = s.intent ?? pending?.intent;
      if (intent) lastIntent = { intent, reason: s.reason ?? pending?.reason ?? null, orderIds: s.orderIds };
      pending = null;
      lastOrder = s.orderIds[s.orderIds.length - 1] ?? lastOrder;
    } else if (s.intent) {
      const prev = lastOrder ? orders.get(lastOrder) : undefined;
      if (prev && !s.otherOrder) {
        orders.set(prev.orderId, { ...prev, intent: s.intent, reason: s.reason ?? prev.reason, touchedAt: msg.at });
      } else {
        pending = { intent: s.intent, reason: s.reason ?? (pending?.intent === s.intent ? pending.reason : null) };
      }
    }
  }

  return {
    messages,
    latest,
    turnStart,
    calls,
    emails,
    orders,
    pending,
    earlierReplies: replies.filter((r) => r.at < turnStart).map((r) => r.text),
    acceptedTeamOffer: latest !== null && latest.signals.affirmative && replyBefore(latest.at).includes(TEAM_OFFER),
  };
}

/** Calls made in the current turn (after the latest customer message). */
export const turnCalls = (a: Analysis): ToolCall[] => a.calls.filter((c) => c.at > a.turnStart);

/** A key per distinct action: the same key is never proposed twice in one turn. */
export function callKey(name: string, input: Record<string, unknown>): string {
  if (name === 'get_customer') return `get_customer:${(str(input.email) ?? '').trim().toLowerCase()}`;
  if (name === 'lookup_order' || name === 'process_refund') return `${name}:${inputOrderId({ input }) ?? ''}`;
  return name;
}

/** The latest lookup of an order that actually ran (its result is the tool's JSON, not a refusal). */
export function lastLookup(a: Analysis, orderId: string): ToolCall | null {
  for (let i = a.calls.length - 1; i >= 0; i--) {
    const c = a.calls[i]!;
    if (c.name === 'lookup_order' && inputOrderId(c) === orderId && c.result?.json) return c;
  }
  return null;
}

/** The latest refund call for an order, optionally only in this turn. */
export function lastRefundCall(a: Analysis, orderId: string, sinceTurnStart: boolean): ToolCall | null {
  for (let i = a.calls.length - 1; i >= 0; i--) {
    const c = a.calls[i]!;
    if (sinceTurnStart && c.at <= a.turnStart) break;
    if (c.name === 'process_refund' && inputOrderId(c) === orderId && c.result) return c;
  }
  return null;
}

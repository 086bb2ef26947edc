/** Narrowing the JSON of live events (they arrive as text; a malformed one is skipped, never thrown). */
import type { Awaiting, ChatMessage, RefundEvent, Role, StateEvent, Status } from './contract.js';

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const ROLES: readonly unknown[] = ['customer', 'agent', 'operator', 'system'] satisfies Role[];
const isRole = (v: unknown): v is Role => ROLES.includes(v);
const isStatus = (v: unknown): v is Status => v === 'open' || v === 'resolved' || v === 'escalated';

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function asMessage(v: unknown): ChatMessage | null {
  if (!isRecord(v) || typeof v.text !== 'string' || !isRole(v.role)) return null;
  const message: ChatMessage = {
    role: v.role,
    text: v.text,
    at: typeof v.at === 'string' ? v.at : new Date().toISOString(),
  };
  if (typeof v.author === 'string') message.author = v.author;
  return message;
}

/** Every member of the API's Awaiting union; anything else is "waiting for nothing". */
export function asAwaiting(v: unknown): Awaiting {
  if (!isRecord(v)) return null;
  if (v.kind === 'code') return { kind: 'code' };
  if (v.kind === 'person') return { kind: 'person', operator: typeof v.operator === 'string' ? v.operator : '' };
  if (typeof v.order_id !== 'string' || typeof v.amount !== 'number') return null;
  if (v.kind === 'confirmation' && typeof v.text === 'string' && typeof v.offer_id === 'string')
    return { kind: 'confirmation', offer_id: v.offer_id, order_id: v.order_id, amount: v.amount, text: v.text };
  if (v.kind === 'approval' && typeof v.request_id === 'string')
    return { kind: 'approval', order_id: v.order_id, amount: v.amount, request_id: v.request_id };
  return null;
}

export function asState(v: unknown): StateEvent | null {
  if (!isRecord(v) || typeof v.state !== 'string') return null;
  return { state: v.state, status: isStatus(v.status) ? v.status : null, awaiting: asAwaiting(v.awaiting) };
}

export function asRefund(v: unknown): RefundEvent | null {
  if (!isRecord(v) || typeof v.order_id !== 'string' || typeof v.amount !== 'number') return null;
  if (v.status !== 'processed' && v.status !== 'confirming' && v.status !== 'declined') return null;
  const refund: RefundEvent = { order_id: v.order_id, amount: v.amount, status: v.status };
  if (typeof v.refund_id === 'string') refund.refund_id = v.refund_id;
  return refund;
}

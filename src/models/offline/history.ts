/**
 * The message history, flattened once: customer messages (read into signals), tool calls with
 * their results, the assistant's own texts, and the notes an operator's handback leaves (a user
 * text block starting with "[note]": not the customer's words).
 */
import type { ModelMessage } from '../types.js';
import { type MessageSignals, readMessage } from './extract.js';

export interface ToolResult {
  content: string;
  isError: boolean;
  json: Record<string, unknown> | null;
  /** Position of the result in the flattened history. */
  at: number;
}

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** Position in the flattened history (customer messages, texts and calls share one counter). */
  at: number;
  result: ToolResult | null;
}

export interface CustomerMessage {
  text: string;
  at: number;
  signals: MessageSignals;
}

export interface Flat {
  messages: CustomerMessage[];
  calls: ToolCall[];
  replies: Array<{ at: number; text: string }>;
  /** Positions of handback notes. */
  notes: number[];
  /** What code did with the customer's answer to an offer ("[note] The customer confirmed …"), by order. */
  answered: Array<{ at: number; orderId: string; outcome: 'refunded' | 'declined' | 'approval' | 'other' }>;
}

/** Asking for the order number: a bare 4-digit answer then means that order. */
export const ORDER_HINT = 'the order number (it looks like ORD-1234)';
const ASKS_FOR_ORDER = /order number|order id|which order/i;

const NOTE = /^\s*\[note\]/i;
/** A handback note ("a person … has handed it back to you"): the history starts anew after it. */
const HANDBACK = /handed it back to you|\ba person\b.*\bhandled\b/i;
const ANSWER_NOTE = /^\s*\[note\] The customer (confirmed|declined|said yes)\b.*?\b(ORD-\d+)/i;
const STATE_NOTE = /^\s*\[state note\]/i;

export function parseJson(content: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(content);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The order id a tool input refers to, normalised like the tools do. */
export const inputOrderId = (call: Pick<ToolCall, 'input'>): string | null =>
  str(call.input.order_id)?.trim().toUpperCase() ?? null;

export function flatten(history: ModelMessage[]): Flat {
  const out: Flat = { messages: [], calls: [], replies: [], notes: [], answered: [] };
  const byId = new Map<string, ToolCall>();
  let at = 0;
  let lastReply = '';
  for (const m of history) {
    if (m.role === 'assistant') {
      for (const b of m.content) {
        at++;
        if (b.type === 'tool_use') {
          const call: ToolCall = { id: b.id, name: b.name, input: asRecord(b.input), at, result: null };
          out.calls.push(call);
          byId.set(b.id, call);
        } else if (b.type === 'text') {
          out.replies.push({ at, text: b.text });
          lastReply = b.text;
        }
      }
      continue;
    }
    const blocks = typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content;
    for (const b of blocks) {
      at++;
      if (b.type === 'text') {
        if (b.text === '(conversation start)' || STATE_NOTE.test(b.text)) continue;
        const answer = ANSWER_NOTE.exec(b.text);
        if (answer) out.answered.push({ at, orderId: answer[2]!.toUpperCase(), outcome: noteOutcome(b.text) });
        else if (NOTE.test(b.text)) {
          if (HANDBACK.test(b.text)) out.notes.push(at);
        } else out.messages.push({ text: b.text, at, signals: readMessage(b.text, ASKS_FOR_ORDER.test(lastReply)) });
        continue;
      }
      const content = typeof b.content === 'string' ? b.content : JSON.stringify(b.content ?? '');
      const result: ToolResult = { content, isError: b.is_error === true, json: parseJson(content), at };
      const call = byId.get(b.tool_use_id);
      if (call) call.result = result;
      else if (str(result.json?.refund_id) && str(result.json?.order_id)) {
        // a refund result the runtime recorded without a call of ours (a confirmed offer)
        const input = { order_id: str(result.json?.order_id) };
        out.calls.push({ id: b.tool_use_id, name: 'process_refund', input, at, result });
      }
    }
  }
  return out;
}

function noteOutcome(text: string): Flat['answered'][number]['outcome'] {
  if (/declined/i.test(text)) return 'declined';
  if (/supervisor|approval/i.test(text)) return 'approval';
  if (/was processed/i.test(text)) return 'refunded';
  return 'other';
}

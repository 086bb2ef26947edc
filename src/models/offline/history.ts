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

/**
 * A bounded memo of a pure function of a string: every call of the planner reads the whole
 * history again, and reading a message is most of its cost, so each text is read once (while it
 * stays among the last `max` distinct ones). The results are shared: nothing may change them.
 */
function memo<T>(max: number, fn: (key: string) => T): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    const hit = seen.get(key);
    if (hit !== undefined || seen.has(key)) return hit as T;
    const value = fn(key);
    if (seen.size >= max) seen.delete(seen.keys().next().value as string);
    seen.set(key, value);
    return value;
  };
}

const readAsked = memo(4096, (text) => readMessage(text, true));
const readPlain = memo(4096, (text) => readMessage(text, false));
const parseResult = memo(4096, parseJson);

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The order id a tool input refers to, normalised like the tools do. */
export const inputOrderId = (call: Pick<ToolCall, 'input'>): string | null =>
  str(call.input.order_id)?.trim().toUpperCase() ?? null;

/** Where flattening stands after some messages: the result so far and what the next message needs. */
interface Reading {
  out: Flat;
  /** Index in out.calls of each tool_use id. */
  byId: Map<string, number>;
  at: number;
  lastReply: string;
}

const fresh = (): Reading => ({
  out: { messages: [], calls: [], replies: [], notes: [], answered: [] },
  byId: new Map(),
  at: 0,
  lastReply: '',
});
/** A copy that later messages may extend without touching the original (call objects are replaced, never changed). */
const copyOf = (r: Reading): Reading => ({
  out: {
    messages: [...r.out.messages],
    calls: [...r.out.calls],
    replies: [...r.out.replies],
    notes: [...r.out.notes],
    answered: [...r.out.answered],
  },
  byId: new Map(r.byId),
  at: r.at,
  lastReply: r.lastReply,
});

function read(r: Reading, m: ModelMessage): void {
  const { out, byId } = r;
  if (m.role === 'assistant') {
    for (const b of m.content) {
      r.at++;
      if (b.type === 'tool_use') {
        byId.set(b.id, out.calls.length);
        out.calls.push({ id: b.id, name: b.name, input: asRecord(b.input), at: r.at, result: null });
      } else if (b.type === 'text') {
        out.replies.push({ at: r.at, text: b.text });
        r.lastReply = b.text;
      }
    }
    return;
  }
  const blocks = typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content;
  for (const b of blocks) {
    const at = ++r.at;
    if (b.type === 'text') {
      if (b.text === '(conversation start)' || STATE_NOTE.test(b.text)) continue;
      const answer = ANSWER_NOTE.exec(b.text);
      if (answer) out.answered.push({ at, orderId: answer[2]!.toUpperCase(), outcome: noteOutcome(b.text) });
      else if (NOTE.test(b.text)) {
        if (HANDBACK.test(b.text)) out.notes.push(at);
      } else
        out.messages.push({
          text: b.text,
          at,
          signals: (ASKS_FOR_ORDER.test(r.lastReply) ? readAsked : readPlain)(b.text),
        });
      continue;
    }
    const content = typeof b.content === 'string' ? b.content : JSON.stringify(b.content ?? '');
    const result: ToolResult = { content, isError: b.is_error === true, json: parseResult(content), at };
    const index = byId.get(b.tool_use_id);
    const call = index === undefined ? undefined : out.calls[index];
    if (call && index !== undefined) out.calls[index] = { ...call, result };
    else if (str(result.json?.refund_id) && str(result.json?.order_id)) {
      // a refund result the runtime recorded without a call of ours (a confirmed offer)
      const input = { order_id: str(result.json?.order_id) };
      out.calls.push({ id: b.tool_use_id, name: 'process_refund', input, at, result });
    }
  }
}

/**
 * What was read of a conversation's history, keyed by its first message (the runtime shares the
 * message objects of a conversation between calls and turns) and checked against the last message
 * read. The history's last message is read apart: it is often rebuilt with more blocks.
 */
const readings = new WeakMap<object, { count: number; last: ModelMessage; reading: Reading }>();

/** The history flattened; only the messages after the longest known prefix are read again. */
export function flatten(history: ModelMessage[]): Flat {
  const first = history[0];
  const stable = Math.max(0, history.length - 1);
  const known = first ? readings.get(first) : undefined;
  let r: Reading;
  let from = 0;
  if (known && known.count <= stable && history[known.count - 1] === known.last) {
    r = copyOf(known.reading);
    from = known.count;
  } else r = fresh();
  for (let i = from; i < stable; i++) read(r, history[i]!);
  if (first && stable > from) readings.set(first, { count: stable, last: history[stable - 1]!, reading: copyOf(r) });
  for (let i = stable; i < history.length; i++) read(r, history[i]!);
  return r.out;
}

function noteOutcome(text: string): Flat['answered'][number]['outcome'] {
  if (/declined/i.test(text)) return 'declined';
  if (/supervisor|approval/i.test(text)) return 'approval';
  if (/was processed/i.test(text)) return 'refunded';
  return 'other';
}

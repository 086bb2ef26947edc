/**
 * Rebuilds the model's message list from the event log, repairing what a crash can leave behind.
 * Incremental: what was built from a conversation's committed log is kept (keyed by the log's
 * first entry and checked against its last), so a turn only adds the events committed since.
 */
import type { ModelMessage, TextBlock, ToolResultBlock } from '../models/types.js';
import type { StoredEvent } from '../store/types.js';
import { payloadOf } from './event-payloads.js';

type UserBlock = TextBlock | ToolResultBlock;
type Entry = Pick<StoredEvent, 'kind' | 'payload'> & { n?: number | null };

/**
 * The history built so far: messages (never mutated once built: a change replaces the last one) and
 * tool_use ids without a result.
 */
interface Built {
  out: ModelMessage[];
  open: string[];
}

const copy = (b: Built): Built => ({ out: [...b.out], open: [...b.open] });
const frozen = <T extends ModelMessage>(m: T): T => {
  Object.freeze(m.content);
  return Object.freeze(m);
};

function closeOpenToolUses(b: Built): UserBlock[] {
  const blocks = b.open.map((id): ToolResultBlock => ({
    type: 'tool_result',
    tool_use_id: id,
    content: 'Interrupted before a result was recorded.',
    is_error: true,
  }));
  b.open = [];
  return blocks;
}

function pushUser(b: Built, blocks: UserBlock[]): void {
  const last = b.out[b.out.length - 1];
  if (last && last.role === 'user') {
    const existing: UserBlock[] =
      typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
    b.out[b.out.length - 1] = frozen({ role: 'user', content: [...existing, ...blocks] });
  } else b.out.push(frozen({ role: 'user', content: blocks }));
}

function pushAssistant(b: Built, content: Extract<ModelMessage, { role: 'assistant' }>['content']): void {
  const closing = closeOpenToolUses(b);
  if (closing.length) pushUser(b, closing);
  if (b.out.length === 0) pushUser(b, [{ type: 'text', text: '(conversation start)' }]);
  const last = b.out[b.out.length - 1];
  if (last && last.role === 'assistant')
    b.out[b.out.length - 1] = frozen({ role: 'assistant', content: [...last.content, ...content] });
  else b.out.push(frozen({ role: 'assistant', content: [...content] }));
}

function add(b: Built, e: Entry): void {
  const said = payloadOf(e, 'customer_message');
  const note = payloadOf(e, 'note');
  const person = payloadOf(e, 'operator_message');
  const answered = payloadOf(e, 'assistant_message');
  const toolResults = payloadOf(e, 'tool_results');
  if (said || note)
    pushUser(b, [...closeOpenToolUses(b), { type: 'text', text: said ? said.text : (note?.text ?? '') }]);
  else if (person) pushAssistant(b, [{ type: 'text', text: `[a person from the support team wrote] ${person.text}` }]);
  else if (answered) {
    if (answered.content.length === 0) return;
    pushAssistant(b, answered.content);
    b.open = answered.content.flatMap((x) => (x.type === 'tool_use' ? [x.id] : []));
  } else if (toolResults) {
    const results = toolResults.content;
    const done = new Set(results.map((r) => r.tool_use_id));
    b.open = b.open.filter((id) => !done.has(id));
    pushUser(b, [...results, ...closeOpenToolUses(b)]);
  }
}

/** What was built from a committed prefix of a log: its length, its last entry, the result. */
const built = new WeakMap<object, { count: number; last: object; b: Built }>();

/**
 * How many entries at the start of the log are committed: a held log is its committed entries
 * (numbered 1, 2, …) then the staged ones (no number yet). Only the end is looked at; a log of
 * another shape gets 0 (built whole, never memoised).
 */
export function committedPrefix(events: ReadonlyArray<{ n?: number | null }>): number {
  let k = events.length;
  while (k > 0 && events[k - 1]!.n === null) k--;
  return k > 0 && events[k - 1]!.n === k && events[0]!.n === 1 ? k : 0;
}

/**
 * Customer messages, code notes, operator messages, assistant content and tool results in order.
 * Guarantees the Messages API's shape: alternating roles starting with the user, and a tool_result
 * for every tool_use (an interrupted call gets an is_error result). The messages are frozen:
 * they are shared with later builds of the same conversation.
 */
export function buildHistory(events: ReadonlyArray<Entry>): ModelMessage[] {
  const committed = committedPrefix(events);
  const first = events[0];
  const memo = first && committed > 0 ? built.get(first) : undefined;
  let b: Built;
  let from = 0;
  if (memo && memo.count <= committed && events[memo.count - 1] === memo.last) {
    b = copy(memo.b);
    from = memo.count;
  } else b = { out: [], open: [] };
  for (let i = from; i < committed; i++) add(b, events[i]!);
  if (first && committed > from) built.set(first, { count: committed, last: events[committed - 1]!, b: copy(b) });
  for (let i = committed; i < events.length; i++) add(b, events[i]!);
  return b.out;
}

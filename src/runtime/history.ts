/** Rebuilds the model's message list from the event log, repairing what a crash can leave behind. */
import type { ModelMessage, TextBlock, ToolResultBlock } from '../models/types.js';
import type { StoredEvent } from '../store/types.js';
import { payloadOf } from './event-payloads.js';

type UserBlock = TextBlock | ToolResultBlock;

/**
 * Customer messages, code notes, operator messages, assistant content and tool results in order.
 * Guarantees the Messages API's shape: alternating roles starting with the user, and a tool_result
 * for every tool_use (an interrupted call gets an is_error result).
 */
export function buildHistory(events: ReadonlyArray<Pick<StoredEvent, 'kind' | 'payload'>>): ModelMessage[] {
  const out: ModelMessage[] = [];
  let openToolUses: string[] = [];

  const closeOpenToolUses = (): UserBlock[] => {
    const blocks = openToolUses.map((id): ToolResultBlock => ({
      type: 'tool_result',
      tool_use_id: id,
      content: 'Interrupted before a result was recorded.',
      is_error: true,
    }));
    openToolUses = [];
    return blocks;
  };
  const pushUser = (blocks: UserBlock[]) => {
    const last = out[out.length - 1];
    if (last && last.role === 'user') {
      const existing: UserBlock[] =
        typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
      last.content = [...existing, ...blocks];
    } else out.push({ role: 'user', content: blocks });
  };
  const pushAssistant = (content: Extract<ModelMessage, { role: 'assistant' }>['content']) => {
    const closing = closeOpenToolUses();
    if (closing.length) pushUser(closing);
    if (out.length === 0) pushUser([{ type: 'text', text: '(conversation start)' }]);
    const last = out[out.length - 1];
    if (last && last.role === 'assistant') last.content = [...last.content, ...content];
    else out.push({ role: 'assistant', content });
  };

  for (const e of events) {
    const said = payloadOf(e, 'customer_message');
    const note = payloadOf(e, 'note');
    const person = payloadOf(e, 'operator_message');
    const answered = payloadOf(e, 'assistant_message');
    const toolResults = payloadOf(e, 'tool_results');
    if (said || note) pushUser([...closeOpenToolUses(), { type: 'text', text: said ? said.text : (note?.text ?? '') }]);
    else if (person) pushAssistant([{ type: 'text', text: `[a person from the support team wrote] ${person.text}` }]);
    else if (answered) {
      if (answered.content.length === 0) continue;
      pushAssistant(answered.content);
      openToolUses = answered.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
    } else if (toolResults) {
      const results = toolResults.content;
      const done = new Set(results.map((r) => r.tool_use_id));
      openToolUses = openToolUses.filter((id) => !done.has(id));
      pushUser([...results, ...closeOpenToolUses()]);
    }
  }
  return out;
}

/** Rebuilds the model's message list from the event log, repairing what a crash can leave behind. */
import type { ModelMessage, TextBlock, ToolResultBlock } from '../models/types.js';
import type { StoredEvent } from '../store/types.js';
import { payloadOf } from './event-payloads.js';

type UserBlock = TextBlock | ToolResultBlock;

/**
 * Customer messages, assistant content and tool results in order. Guarantees the Messages API's
 * shape: alternating roles starting with the user, and a tool_result for every tool_use
 * (an interrupted call gets an is_error result).
 */
export function buildHistory(events: Array<Pick<StoredEvent, 'kind' | 'payload'>>): ModelMessage[] {
  const out: ModelMessage[] = [];
  let openToolUses: string[] = [];

  const closeOpenToolUses = (): UserBlock[] => {
    const blocks = openToolUses.map((id): ToolResultBlock => ({ type: 'tool_result', tool_use_id: id, content: 'Interrupted before a result was recorded.', is_error: true }));
    openToolUses = [];
    return blocks;
  };
  const pushUser = (blocks: UserBlock[]) => {
    const last = out[out.length - 1];
    if (last && last.role === 'user') {
      const existing: UserBlock[] = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
      last.content = [...existing, ...blocks];
    } else out.push({ role: 'user', content: blocks });
  };

  for (const e of events) {
    const said = payloadOf(e, 'customer_message');
    const answered = payloadOf(e, 'assistant_message');
    const toolResults = payloadOf(e, 'tool_results');
    if (said) {
      const text = said.text;
      pushUser([...closeOpenToolUses(), { type: 'text', text }]);
    } else if (answered) {
      const content = answered.content;
      if (content.length === 0) continue;
      const closing = closeOpenToolUses();
      if (closing.length) pushUser(closing);
      if (out.length === 0) pushUser([{ type: 'text', text: '(conversation start)' }]);
      const last = out[out.length - 1];
      if (last && last.role === 'assistant') last.content = [...last.content, ...content];
      else out.push({ role: 'assistant', content });
      openToolUses = content.filter((b) => b.type === 'tool_use').map((b) => (b.type === 'tool_use' ? b.id : ''));
    } else if (toolResults) {
      const results = toolResults.content;
      const answered = new Set(results.map((r) => r.tool_use_id));
      openToolUses = openToolUses.filter((id) => !answered.has(id));
      pushUser([...results, ...closeOpenToolUses()]);
    }
  }
  return out;
}

/**
 * Builds the Messages API request from a ModelRequest. The prefix (tools, then system) is the
 * same on every call and carries the cache breakpoints; everything that changes per call (the
 * conversation and the state note) comes after them.
 */
import type {
  ContentBlockParam,
  MessageCreateParamsBase,
  MessageParam,
  TextBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type { ModelMessage, ModelRequest } from '../types.js';

export type MessageParams = Omit<MessageCreateParamsBase, 'stream'>;

/** A placeholder for a block the API would refuse (empty text): keeps the history's shape valid. */
const EMPTY_TEXT = '(no text)';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function buildMessageParams(request: ModelRequest, model: string, maxTokens: number): MessageParams {
  const tools: Tool[] = request.tools.map((t, i, all) => ({
    name: t.name,
    description: t.description,
    input_schema: t.input_schema as Tool.InputSchema,
    ...(i === all.length - 1 ? { cache_control: { type: 'ephemeral' as const } } : {}),
  }));
  const system: TextBlockParam[] = request.system
    ? [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }]
    : [];
  const messages = withStateNote(request.messages.map(toMessageParam), request.stateNote);
  return {
    model,
    max_tokens: maxTokens,
    ...(system.length ? { system } : {}),
    ...(tools.length ? { tools } : {}),
    messages,
  };
}

/** A fresh copy in the API's shape: never shares objects with request.messages. */
function toMessageParam(message: ModelMessage): MessageParam {
  if (message.role === 'user') {
    const blocks: ContentBlockParam[] =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : message.content.map((b): ContentBlockParam =>
            b.type === 'text'
              ? { type: 'text', text: b.text }
              : {
                  type: 'tool_result',
                  tool_use_id: b.tool_use_id,
                  content: b.content,
                  ...(b.is_error ? { is_error: true } : {}),
                },
          );
    return { role: 'user', content: nonEmpty(blocks) };
  }
  const blocks: ContentBlockParam[] = message.content.map((b): ContentBlockParam =>
    b.type === 'text'
      ? { type: 'text', text: b.text }
      : { type: 'tool_use', id: b.id, name: b.name, input: isPlainObject(b.input) ? { ...b.input } : {} },
  );
  return { role: 'assistant', content: nonEmpty(blocks) };
}

/** The API refuses empty text blocks and empty messages. */
function nonEmpty(blocks: ContentBlockParam[]): ContentBlockParam[] {
  const kept = blocks.filter((b) => b.type !== 'text' || b.text.trim().length > 0);
  return kept.length ? kept : [{ type: 'text', text: EMPTY_TEXT }];
}

/**
 * The state note goes into the last user message, as its last block: after the cache
 * breakpoints, and after any tool_result blocks (the API wants those first in a user message).
 */
function withStateNote(messages: MessageParam[], note: string): MessageParam[] {
  if (!note.trim()) return messages;
  const noteBlock: TextBlockParam = { type: 'text', text: note };
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') return [...messages, { role: 'user', content: [noteBlock] }];
  const content = typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
  return [...messages.slice(0, -1), { role: 'user', content: [...content, noteBlock] }];
}

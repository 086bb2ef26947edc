/**
 * Turns what the API sent (a JSON message or a stream of events) into well-formed assistant
 * blocks. Nothing the model sends makes this throw, except a stream that never finished
 * (MalformedStreamError, which the adapter reports as the model being unavailable): a response
 * cut short is not acted on.
 */
import { randomBytes } from 'node:crypto';
import type { AssistantBlock, ModelMessage, Usage } from '../types.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);

/** The API's patterns for tool_use ids and tool names: anything else would make the next call a 400. */
const TOOL_ID = /^[a-zA-Z0-9_-]{1,128}$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
/** Stands in for a name the API would refuse; no tool has it, so the runtime rejects the call. */
export const INVALID_TOOL_NAME = 'invalid_tool_name';

export class MalformedStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedStreamError';
  }
}

export function mapUsage(u: unknown): Usage {
  const r = isRecord(u) ? u : {};
  return {
    inputTokens: count(r.input_tokens),
    outputTokens: count(r.output_tokens),
    cacheReadTokens: count(r.cache_read_input_tokens),
    cacheWriteTokens: count(r.cache_creation_input_tokens),
  };
}

/** tool_use ids already in the conversation: a reused id would break the tool_result pairing. */
export function knownToolUseIds(messages: ModelMessage[]): Set<string> {
  const ids = new Set<string>();
  for (const m of messages)
    if (m.role === 'assistant') for (const b of m.content) if (b.type === 'tool_use') ids.add(b.id);
  return ids;
}

/**
 * Keeps text and tool_use blocks, in order. A tool input that is not a JSON object becomes `{}`
 * (the runtime's validation then refuses it with a message the model can act on); an invalid or
 * repeated id gets a fresh one; a name the API would refuse becomes INVALID_TOOL_NAME; other
 * block types (thinking, server tools) are dropped.
 */
export function normaliseContent(content: unknown, knownIds: Set<string>): AssistantBlock[] {
  if (!Array.isArray(content)) return [];
  const seen = new Set(knownIds);
  const out: AssistantBlock[] = [];
  for (const b of content) {
    if (!isRecord(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string') {
      if (b.text.length > 0) out.push({ type: 'text', text: b.text });
    } else if (b.type === 'tool_use') {
      let id =
        typeof b.id === 'string' && TOOL_ID.test(b.id) && !seen.has(b.id)
          ? b.id
          : `toolu_adapter_${randomBytes(12).toString('hex')}`;
      while (seen.has(id)) id = `toolu_adapter_${randomBytes(12).toString('hex')}`;
      seen.add(id);
      const name = typeof b.name === 'string' && TOOL_NAME.test(b.name) ? b.name : INVALID_TOOL_NAME;
      out.push({ type: 'tool_use', id, name, input: isRecord(b.input) ? b.input : {} });
    }
  }
  return out;
}

type Pending =
  | { kind: 'text'; text: string; stopped: boolean }
  | { kind: 'tool_use'; id: unknown; name: unknown; startInput: unknown; json: string; stopped: boolean }
  | { kind: 'other'; stopped: boolean };

export interface Assembled {
  /** Raw blocks (text and tool_use with parsed input), for normaliseContent. */
  content: unknown[];
  stopReason: string;
  usage: Usage;
}

/**
 * Assembles a streamed message from raw events. Tool input JSON is parsed strictly once its
 * block has stopped: invalid JSON gives `{}`; never a partial repair of a truncated input.
 */
export function createStreamAssembler(onText?: (delta: string) => void) {
  const blocks = new Map<number, Pending>();
  let started = false;
  let messageStopped = false;
  let stopReason: string | null = null;
  let usage: Record<string, unknown> = {};

  const merge = (u: unknown) => {
    if (!isRecord(u)) return;
    // usage counters are cumulative totals: a present value replaces the previous one
    for (const [k, v] of Object.entries(u)) if (typeof v === 'number') usage = { ...usage, [k]: v };
  };

  return {
    push(event: unknown): void {
      if (!isRecord(event) || messageStopped) return;
      switch (event.type) {
        case 'message_start':
          if (started) throw new MalformedStreamError('a second message_start in one stream');
          started = true;
          if (isRecord(event.message)) merge(event.message.usage);
          return;
        case 'content_block_start': {
          if (!started || typeof event.index !== 'number' || !isRecord(event.content_block)) return;
          if (blocks.has(event.index)) {
            blocks.set(event.index, { kind: 'other', stopped: true }); // a restarted block is not well-formed: drop it
            return;
          }
          const cb = event.content_block;
          if (cb.type === 'text')
            blocks.set(event.index, { kind: 'text', text: typeof cb.text === 'string' ? cb.text : '', stopped: false });
          else if (cb.type === 'tool_use')
            blocks.set(event.index, {
              kind: 'tool_use',
              id: cb.id,
              name: cb.name,
              startInput: cb.input,
              json: '',
              stopped: false,
            });
          else blocks.set(event.index, { kind: 'other', stopped: false });
          return;
        }
        case 'content_block_delta': {
          const block = typeof event.index === 'number' ? blocks.get(event.index) : undefined;
          if (!block || block.stopped || !isRecord(event.delta)) return;
          const d = event.delta;
          if (d.type === 'text_delta' && block.kind === 'text' && typeof d.text === 'string') {
            block.text += d.text;
            if (d.text && onText) onText(d.text);
          } else if (d.type === 'input_json_delta' && block.kind === 'tool_use' && typeof d.partial_json === 'string')
            block.json += d.partial_json;
          return;
        }
        case 'content_block_stop': {
          const block = typeof event.index === 'number' ? blocks.get(event.index) : undefined;
          if (block) block.stopped = true;
          return;
        }
        case 'message_delta':
          if (isRecord(event.delta) && typeof event.delta.stop_reason === 'string')
            stopReason = event.delta.stop_reason;
          merge(event.usage);
          return;
        case 'message_stop':
          if (started) messageStopped = true;
          return;
        default:
          return; // ping and event types this adapter does not know
      }
    },
    /** The assembled message; throws MalformedStreamError when the stream did not finish. */
    finish(): Assembled {
      const allStopped = [...blocks.values()].every((b) => b.stopped);
      if (!started) throw new MalformedStreamError('the stream ended before message_start');
      if (!messageStopped && !(stopReason !== null && allStopped))
        throw new MalformedStreamError('the stream ended before the message was complete');
      const content: unknown[] = [];
      for (const index of [...blocks.keys()].sort((a, b) => a - b)) {
        const b = blocks.get(index);
        if (!b) continue;
        if (b.kind === 'text') content.push({ type: 'text', text: b.text });
        // a tool call whose block never closed may hold a cut-off input: it is not proposed
        else if (b.kind === 'tool_use' && b.stopped)
          content.push({ type: 'tool_use', id: b.id, name: b.name, input: parseToolInput(b.json, b.startInput) });
      }
      return { content, stopReason: stopReason ?? 'end_turn', usage: mapUsage(usage) };
    },
  };
}

function parseToolInput(json: string, startInput: unknown): unknown {
  if (json.trim() === '') return isRecord(startInput) ? startInput : {};
  try {
    const parsed: unknown = JSON.parse(json);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeModel, INVALID_TOOL_NAME } from '../../src/models/claude.js';
import type { ModelMessage, ModelResponse } from '../../src/models/types.js';
import { sse, startFakeAnthropic, type FakeAnthropic, type FakeReply } from '../support/fake-anthropic.js';
import { sampleRequest, text, toolUse } from '../support/fake-models.js';

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const MODEL = 'claude-sonnet-4-6';
const modelFor = (f: FakeAnthropic) =>
  createClaudeModel({ apiKey: 'test', baseURL: f.url, maxRetries: 0, model: MODEL });

/** Calls once as JSON and once streamed; returns both responses and the streamed text deltas. */
async function bothWays(reply: FakeReply, messages?: ModelMessage[]) {
  fake = await startFakeAnthropic(() => reply);
  const model = modelFor(fake);
  const request = sampleRequest(messages ? { messages } : {});
  const json = await model.next(request);
  const deltas: string[] = [];
  const streamed = await model.next(request, { onText: (d) => deltas.push(d) });
  return { json, streamed, deltas };
}

const toolUses = (r: ModelResponse) => r.content.filter((b) => b.type === 'tool_use');

describe('claude adapter: assembling the response', () => {
  it('returns text and several tool_use blocks in order, the same from JSON and from the stream', async () => {
    const { json, streamed, deltas } = await bothWays({
      content: [
        text('Let me look into that for you.'),
        { type: 'tool_use', id: 'toolu_a1', name: 'get_customer', input: { email: 'sarah@example.com' } },
        { type: 'tool_use', id: 'toolu_a2', name: 'lookup_order', input: { order_id: 'ORD-8842' } },
      ],
    });
    const expected = [
      { type: 'text', text: 'Let me look into that for you.' },
      { type: 'tool_use', id: 'toolu_a1', name: 'get_customer', input: { email: 'sarah@example.com' } },
      { type: 'tool_use', id: 'toolu_a2', name: 'lookup_order', input: { order_id: 'ORD-8842' } },
    ];
    expect(json.content).toEqual(expected);
    expect(streamed.content).toEqual(expected);
    expect(json.stopReason).toBe('tool_use');
    expect(streamed.stopReason).toBe('tool_use');
    // the stream really arrived in pieces, and onText saw every piece of the text
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Let me look into that for you.');
  });

  it('assembles a tool input sent as many input_json_delta chunks', async () => {
    const input = { order_id: 'ORD-8842', reason: 'damaged', note: 'a "quoted" word, unicode ✓ and a \\ backslash' };
    const { json, streamed } = await bothWays({ content: [toolUse('process_refund', input)], chunkSize: 3 });
    expect(toolUses(streamed)[0]).toMatchObject({ name: 'process_refund', input });
    expect(toolUses(json)[0]).toMatchObject({ name: 'process_refund', input });
  });

  it('maps usage: input, output, cache read and cache write tokens', async () => {
    const usage = {
      input_tokens: 321,
      output_tokens: 45,
      cache_creation_input_tokens: 1500,
      cache_read_input_tokens: 0,
    };
    const { json, streamed } = await bothWays({ content: [text('Hi.')], usage });
    const expected = { inputTokens: 321, outputTokens: 45, cacheReadTokens: 0, cacheWriteTokens: 1500 };
    expect(json.usage).toEqual(expected);
    expect(streamed.usage).toEqual(expected);
  });

  it('reads null cache counters as 0', async () => {
    fake = await startFakeAnthropic(() => ({
      raw: JSON.stringify({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: MODEL,
        content: [{ type: 'text', text: 'Hi.' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 2, cache_creation_input_tokens: null, cache_read_input_tokens: null },
      }),
    }));
    const r = await modelFor(fake).next(sampleRequest());
    expect(r.usage).toEqual({ inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it('turns an invalid tool input JSON into {} and keeps the other blocks (stream)', async () => {
    const { streamed, json } = await bothWays({
      content: [
        { type: 'tool_use', id: 'toolu_ok1', name: 'get_customer', input: { email: 'sarah@example.com' } },
        {
          type: 'tool_use',
          id: 'toolu_bad',
          name: 'process_refund',
          rawInput: '{"order_id": "ORD-8842", "reason": damaged',
        },
        { type: 'tool_use', id: 'toolu_ok2', name: 'lookup_order', input: { order_id: 'ORD-8842' } },
      ],
    });
    for (const r of [streamed, json])
      expect(r.content).toEqual([
        { type: 'tool_use', id: 'toolu_ok1', name: 'get_customer', input: { email: 'sarah@example.com' } },
        { type: 'tool_use', id: 'toolu_bad', name: 'process_refund', input: {} },
        { type: 'tool_use', id: 'toolu_ok2', name: 'lookup_order', input: { order_id: 'ORD-8842' } },
      ]);
  });

  it('turns a tool input that is valid JSON but not an object into {}', async () => {
    for (const rawInput of ['[1,2]', '"ORD-8842"', 'null', '42']) {
      const { streamed, json } = await bothWays({
        content: [{ type: 'tool_use', id: 'toolu_x', name: 'lookup_order', rawInput }],
      });
      expect(toolUses(streamed)[0]?.input).toEqual({});
      expect(toolUses(json)[0]?.input).toEqual({});
      await fake?.close();
      fake = undefined;
    }
  });

  it('passes unknown tools through for the runtime to refuse, and replaces a name the API would refuse', async () => {
    const { streamed, json } = await bothWays({
      content: [
        toolUse('issue_gift_card', { amount: 1000 }),
        toolUse('process refund; DROP TABLE refunds', { order_id: 'ORD-8842' }),
      ],
    });
    for (const r of [streamed, json])
      expect(toolUses(r).map((b) => b.name)).toEqual(['issue_gift_card', INVALID_TOOL_NAME]);
  });

  it('gives fresh ids to tool_use blocks whose id is repeated, reused from the history or invalid', async () => {
    const history: ModelMessage[] = [
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_old', name: 'get_customer', input: { email: 'a@b.co' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_old', content: '{}' }] },
    ];
    const { streamed, json } = await bothWays(
      {
        content: [
          {
            type: 'tool_use',
            id: 'toolu_same',
            name: 'process_refund',
            input: { order_id: 'ORD-8842', reason: 'damaged' },
          },
          {
            type: 'tool_use',
            id: 'toolu_same',
            name: 'process_refund',
            input: { order_id: 'ORD-8842', reason: 'damaged' },
          },
          { type: 'tool_use', id: 'toolu_old', name: 'lookup_order', input: { order_id: 'ORD-8842' } },
          { type: 'tool_use', id: 'bad id!', name: 'lookup_order', input: { order_id: 'ORD-8842' } },
        ],
      },
      history,
    );
    for (const r of [streamed, json]) {
      const ids = toolUses(r).map((b) => b.id);
      expect(ids[0]).toBe('toolu_same');
      expect(new Set([...ids, 'toolu_old']).size).toBe(5);
      expect(ids.every((id) => /^[a-zA-Z0-9_-]+$/.test(id))).toBe(true);
    }
  });

  it('drops block types it does not handle and ignores unknown events and pings', async () => {
    const events = [
      sse('message_start', {
        type: 'message_start',
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: MODEL,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 5, output_tokens: 1 },
        },
      }),
      sse('ping', { type: 'ping' }),
      sse('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      }),
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: 'hmm' },
      }),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('some_future_event', { type: 'some_future_event', detail: 1 }),
      sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'text_delta', text: 'Hello ' },
      }),
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'text_delta', text: 'there.' },
      }),
      sse('content_block_stop', { type: 'content_block_stop', index: 1 }),
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 7 },
      }),
      sse('message_stop', { type: 'message_stop' }),
    ];
    fake = await startFakeAnthropic(() => ({ raw: events.join('') }));
    const r = await modelFor(fake).next(sampleRequest(), { onText: () => {} });
    expect(r.content).toEqual([{ type: 'text', text: 'Hello there.' }]);
    expect(r.usage).toMatchObject({ inputTokens: 5, outputTokens: 7 });
  });

  it('reports max_tokens as the stop reason, and a tool input cut off by it becomes {}', async () => {
    const { streamed } = await bothWays({
      content: [
        text('Refunding.'),
        { type: 'tool_use', id: 'toolu_cut', name: 'process_refund', rawInput: '{"order_id": "ORD-88' },
      ],
      stopReason: 'max_tokens',
    });
    expect(streamed.stopReason).toBe('max_tokens');
    expect(toolUses(streamed)).toEqual([{ type: 'tool_use', id: 'toolu_cut', name: 'process_refund', input: {} }]);
  });

  it('returns empty content and zero usage for a JSON message without content or usage', async () => {
    fake = await startFakeAnthropic(() => ({
      raw: JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: MODEL, stop_reason: 'end_turn' }),
    }));
    const r = await modelFor(fake).next(sampleRequest());
    expect(r).toEqual({
      content: [],
      stopReason: 'end_turn',
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
  });
});

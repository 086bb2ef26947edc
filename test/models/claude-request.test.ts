import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeModel, DEFAULT_CLAUDE_MODEL } from '../../src/models/claude.js';
import type { ModelMessage } from '../../src/models/types.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeReply } from '../support/fake-anthropic.js';
import { sampleRequest, text, toolUse } from '../support/fake-models.js';

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const answer = (r: FakeReply = { content: [text('Hello.')] }) => startFakeAnthropic(() => r);

/** A history ending with tool results, as the runtime builds it after a tool call. */
const afterToolCall: ModelMessage[] = [
  { role: 'user', content: 'Hi, email sarah@example.com.' },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_customer', input: { email: 'sarah@example.com' } },
    ],
  },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '{"found":true}' }] },
];

describe('claude adapter: the request', () => {
  it('sends the same tools and system on every call, with cache_control on the last tool and on the system block', async () => {
    fake = await answer();
    const model = createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
    await model.next(sampleRequest());
    await model.next(
      sampleRequest({ messages: afterToolCall, stateNote: '[state note] state: verified; status: open.' }),
    );
    await model.next(
      sampleRequest({ messages: afterToolCall, stateNote: '[state note] state: order-checked; status: open.' }),
      { onText: () => {} },
    );

    const bodies = fake.requests.map((r) => r.body);
    expect(bodies).toHaveLength(3);
    const prefixes = bodies.map((b) => JSON.stringify({ tools: b.tools, system: b.system }));
    expect(new Set(prefixes).size).toBe(1);

    const tools = bodies[0]?.tools ?? [];
    expect(tools.map((t) => t.name)).toEqual([
      'get_customer',
      'verify_code',
      'lookup_order',
      'process_refund',
      'escalate_to_human',
    ]);
    expect(tools.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
    expect(tools.slice(0, -1).every((t) => t.cache_control === undefined)).toBe(true);
    expect(bodies[0]?.system).toEqual([
      { type: 'text', text: sampleRequest().system, cache_control: { type: 'ephemeral' } },
    ]);
    expect(bodies[0]?.model).toBe(DEFAULT_CLAUDE_MODEL);
    expect(bodies[0]?.max_tokens).toBe(1024);
    expect(bodies[2]?.stream).toBe(true);
    expect(bodies[0]?.stream).toBeFalsy();
  });

  it('puts the state note after the cache breakpoints: last block of the last user message, after the customer text', async () => {
    fake = await answer();
    const model = createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
    const request = sampleRequest();
    await model.next(request);
    const body = fake.requests[0]?.body;
    expect(JSON.stringify(body?.system)).not.toContain('[state note]');
    expect(JSON.stringify(body?.tools)).not.toContain('[state note]');
    const last = body?.messages.at(-1);
    expect(last?.role).toBe('user');
    expect(last?.content).toEqual([
      {
        type: 'text',
        text: 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
      },
      { type: 'text', text: request.stateNote },
    ]);
  });

  it('keeps tool_result blocks first in the user message and adds the state note after them', async () => {
    fake = await answer();
    const model = createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
    await model.next(sampleRequest({ messages: afterToolCall, stateNote: '[state note] verified' }));
    const body = fake.requests[0]?.body;
    expect(body?.messages).toHaveLength(3);
    expect(body?.messages[1]).toEqual(afterToolCall[1]);
    expect(body?.messages[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"found":true}' },
      { type: 'text', text: '[state note] verified' },
    ]);
    // only the last user message carries the note
    expect(body?.messages[0]?.content).toEqual([{ type: 'text', text: 'Hi, email sarah@example.com.' }]);
  });

  it('does not mutate the request it was given', async () => {
    fake = await answer();
    const model = createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
    const request = sampleRequest({ messages: structuredClone(afterToolCall) });
    const before = JSON.stringify({ messages: request.messages, tools: request.tools });
    await model.next(request);
    await model.next(request, { onText: () => {} });
    expect(JSON.stringify({ messages: request.messages, tools: request.tools })).toBe(before);
  });

  it('authenticates with the api key and sends the API version header', async () => {
    fake = await answer();
    await createClaudeModel({ apiKey: 'sk-test-123', baseURL: fake.url, maxRetries: 0 }).next(sampleRequest());
    const headers = fake.requests[0]?.headers ?? {};
    // SDK 1.x sends the key as a bearer token; older versions used x-api-key
    const sent = [headers['x-api-key'], headers.authorization?.replace(/^Bearer /, '')];
    expect(sent).toContain('sk-test-123');
    expect(headers['anthropic-version']).toBeTruthy();
    expect(headers['content-type']).toContain('application/json');
    expect(fake.requests[0]?.path).toBe('/v1/messages');
  });

  it('uses the configured model, max tokens and name', async () => {
    fake = await answer();
    const model = createClaudeModel({
      apiKey: 'test',
      baseURL: fake.url,
      maxRetries: 0,
      model: 'claude-haiku-4-5',
      maxTokens: 300,
    });
    expect(model.name).toBe('claude:claude-haiku-4-5');
    await model.next(sampleRequest());
    expect(fake.requests[0]?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 300 });
  });

  it('sends a history the API accepts: tool_use input is an object and empty text blocks are replaced', async () => {
    fake = await answer();
    const model = createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
    await model.next(
      sampleRequest({
        messages: [
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: '' },
              { type: 'tool_use', id: 'toolu_x', name: 'get_customer', input: 'not an object' },
            ],
          },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'Invalid input', is_error: true }],
          },
          { role: 'assistant', content: [{ type: 'text', text: '  ' }] },
          { role: 'user', content: 'Hello?' },
        ],
      }),
    );
    const messages = fake.requests[0]?.body.messages ?? [];
    expect(messages[1]?.content).toEqual([{ type: 'tool_use', id: 'toolu_x', name: 'get_customer', input: {} }]);
    expect(messages[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_x', content: 'Invalid input', is_error: true },
    ]);
    expect(messages[3]?.content).toEqual([{ type: 'text', text: '(no text)' }]);
  });
});

describe('claude adapter: prompt caching, as the fake reports it', () => {
  it('writes the tools+system prefix to the cache on the first call and reads it on the next ones', async () => {
    fake = await startFakeAnthropic(() => ({ content: [text('Hello.')] }), { minCacheTokens: 0 });
    const model = createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
    const first = await model.next(sampleRequest());
    const second = await model.next(sampleRequest({ messages: afterToolCall, stateNote: '[state note] changed' }));
    const third = await model.next(sampleRequest({ stateNote: '[state note] streamed' }), { onText: () => {} });
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(second.usage.cacheWriteTokens).toBe(0);
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(third.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    // what is after the breakpoint is billed as ordinary input
    expect(second.usage.inputTokens).toBeGreaterThan(0);
  });

  it('omits tools when there are none and still caches the system block', async () => {
    fake = await startFakeAnthropic(() => ({ content: [toolUse('get_customer', { email: 'a@b.co' })] }), {
      minCacheTokens: 0,
    });
    const model = createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
    const r = await model.next(sampleRequest({ tools: [] }));
    // no tools: only the system block is marked, and it is still cached
    expect(r.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(fake.requests[0]?.body.tools).toBeUndefined();
  });
});

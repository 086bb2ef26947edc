import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeModel, type ClaudeModelOptions } from '../../src/models/claude.js';
import { ModelUnavailableError } from '../../src/models/types.js';
import { sse, startFakeAnthropic, type FakeAnthropic, type FakeHandler } from '../support/fake-anthropic.js';
import { sampleRequest, text, toolUse } from '../support/fake-models.js';

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const MODEL = 'claude-sonnet-4-6';
async function start(handler: FakeHandler, options: Partial<ClaudeModelOptions> = {}) {
  fake = await startFakeAnthropic(handler);
  return createClaudeModel({ apiKey: 'test', baseURL: fake.url, model: MODEL, logLevel: 'off', ...options });
}

/** The promise rejects with ModelUnavailableError (and nothing else); returns the error. */
async function unavailable(p: Promise<unknown>): Promise<ModelUnavailableError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelUnavailableError);
  return error as ModelUnavailableError;
}

const overloaded = { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } };
const ok = { content: [text('Hello.')] };

describe('claude adapter: retries', () => {
  it('retries a 429 and succeeds when the API recovers', async () => {
    const model = await start(
      (_body, { index }) =>
        index < 2 ? { error: { status: 429, type: 'rate_limit_error', message: 'Slow down' } } : ok,
      { maxRetries: 2 },
    );
    const r = await model.next(sampleRequest());
    expect(r.content).toEqual([{ type: 'text', text: 'Hello.' }]);
    expect(fake?.requests).toHaveLength(3);
  });

  it.each([
    [429, 'rate_limit_error'],
    [529, 'overloaded_error'],
    [500, 'api_error'],
    [503, 'api_error'],
  ])('retries %i up to maxRetries, then throws ModelUnavailableError with the status', async (status, type) => {
    const model = await start(() => ({ error: { status, type, message: 'no' } }), { maxRetries: 2 });
    const error = await unavailable(model.next(sampleRequest()));
    expect(error.status).toBe(status);
    expect(fake?.requests).toHaveLength(3);
  });

  it('retries a streamed call the same way before any event arrives', async () => {
    const model = await start((_body, { index }) => (index === 0 ? overloaded : ok), { maxRetries: 1 });
    const deltas: string[] = [];
    const r = await model.next(sampleRequest(), { onText: (d) => deltas.push(d) });
    expect(deltas.join('')).toBe('Hello.');
    expect(r.content).toEqual([{ type: 'text', text: 'Hello.' }]);
    expect(fake?.requests).toHaveLength(2);
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
  ])('does not retry %i', async (status, type) => {
    const model = await start(() => ({ error: { status, type, message: 'bad' } }), { maxRetries: 2 });
    const error = await unavailable(model.next(sampleRequest()));
    expect(error.status).toBe(status);
    expect(fake?.requests).toHaveLength(1);
  });

  it('keeps the error message to status and type (no API text, which is never for customers)', async () => {
    const model = await start(
      () => ({ error: { status: 400, type: 'invalid_request_error', message: 'messages.0: secret detail' } }),
      { maxRetries: 0 },
    );
    const error = await unavailable(model.next(sampleRequest()));
    expect(error.message).toBe('model API error 400 invalid_request_error');
  });
});

describe('claude adapter: timeouts and connections', () => {
  it('times out a slow response, retries, then throws ModelUnavailableError', async () => {
    const model = await start(() => ({ ...ok, delayMs: 2_000 }), { timeoutMs: 100, maxRetries: 1 });
    const started = Date.now();
    const error = await unavailable(model.next(sampleRequest()));
    expect(error.message).toMatch(/timed out/);
    expect(fake?.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it('fails a stream that goes quiet after it started', async () => {
    const model = await start(() => ({ ...ok, stallAfter: 4 }), { timeoutMs: 150, maxRetries: 0 });
    const deltas: string[] = [];
    const error = await unavailable(model.next(sampleRequest(), { onText: (d) => deltas.push(d) }));
    expect(error.message).toMatch(/stalled/);
  });

  it('fails a JSON body that stalls after the headers', async () => {
    const model = await start(() => ({ raw: '{"id":"msg_1","type":"message",', hang: true }), {
      timeoutMs: 150,
      maxRetries: 0,
    });
    const error = await unavailable(model.next(sampleRequest()));
    expect(error.message).toMatch(/stalled/);
  });

  it('says the connection was lost when a JSON body is cut off', async () => {
    const model = await start(() => ({ raw: '{"id":"msg_1","type":"message",', destroy: true }), { maxRetries: 1 });
    const error = await unavailable(model.next(sampleRequest()));
    expect(error.message).toBe('model connection lost mid-response');
    expect(fake?.requests).toHaveLength(2); // retried, as any lost connection
  });

  it('throws ModelUnavailableError when nothing listens', async () => {
    const closed = await startFakeAnthropic(() => ok);
    const url = closed.url;
    await closed.close();
    const model = createClaudeModel({ apiKey: 'test', baseURL: url, model: MODEL, maxRetries: 0, logLevel: 'off' });
    const error = await unavailable(model.next(sampleRequest()));
    expect(error.message).toMatch(/unreachable|timed out/);
  });

  it('stops when the turn aborts the call', async () => {
    const model = await start(() => ({ ...ok, delayMs: 2_000 }), { maxRetries: 2 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await unavailable(model.next(sampleRequest({ signal: controller.signal })));
    expect(error.message).toMatch(/aborted/);
    expect(fake?.requests).toHaveLength(1);
  });
});

describe('claude adapter: broken streams', () => {
  const reply = {
    content: [
      text('I have refunded your order now.'),
      toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' }),
    ],
  };

  it.each([
    ['ends cleanly in the middle of the tool input', { truncateAfter: 12, truncateMode: 'end' as const }],
    ['ends cleanly after the last block, before message_delta', { truncateAfter: -2 }],
    ['loses its connection mid-stream', { truncateAfter: 6, truncateMode: 'destroy' as const }],
    ['ends right after message_start', { truncateAfter: 1 }],
    ['sends nothing at all', { truncateAfter: 0 }],
  ])('throws ModelUnavailableError and proposes nothing when the stream %s', async (_name, cut) => {
    const model = await start(() => ({ ...reply, chunkSize: 8, ...cut }), { maxRetries: 0 });
    const error = await unavailable(model.next(sampleRequest(), { onText: () => {} }));
    expect(error.message).toMatch(/ended before|connection lost/);
  });

  it('accepts a stream that lost only its message_stop (every block complete, stop reason known)', async () => {
    const model = await start(() => ({ ...reply, chunkSize: 8, truncateAfter: -1 }), { maxRetries: 0 });
    const r = await model.next(sampleRequest(), { onText: () => {} });
    expect(r.content).toEqual([
      { type: 'text', text: 'I have refunded your order now.' },
      {
        type: 'tool_use',
        id: expect.any(String),
        name: 'process_refund',
        input: { order_id: 'ORD-8842', reason: 'damaged' },
      },
    ]);
  });

  it('maps an error event inside the stream to ModelUnavailableError with its status', async () => {
    const model = await start(
      () => ({ ...reply, errorAfter: { events: 5, type: 'overloaded_error', message: 'Overloaded' } }),
      { maxRetries: 2 },
    );
    const deltas: string[] = [];
    const error = await unavailable(model.next(sampleRequest(), { onText: (d) => deltas.push(d) }));
    expect(error.status).toBe(529);
    expect(deltas.length).toBeGreaterThan(0); // it had started: the runtime's reply covers the cut
  });

  it('throws ModelUnavailableError on an event whose data is not JSON', async () => {
    const raw = [
      sse('message_start', {
        type: 'message_start',
        message: {
          id: 'm',
          type: 'message',
          role: 'assistant',
          model: MODEL,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 1, output_tokens: 1 },
        },
      }),
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text"\n\n',
    ].join('');
    const model = await start(() => ({ raw }), { maxRetries: 0 });
    await unavailable(model.next(sampleRequest(), { onText: () => {} }));
  });

  it('drops a tool call whose block never closed and keeps the complete blocks', async () => {
    const start0 = sse('message_start', {
      type: 'message_start',
      message: {
        id: 'm',
        type: 'message',
        role: 'assistant',
        model: MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      },
    });
    const raw = [
      start0,
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'Checking.' },
      }),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('content_block_start', {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_open', name: 'process_refund', input: {} },
      }),
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"order_id":"ORD-8842"}' },
      }),
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 9 },
      }),
      sse('message_stop', { type: 'message_stop' }),
    ].join('');
    const model = await start(() => ({ raw }), { maxRetries: 0 });
    const r = await model.next(sampleRequest(), { onText: () => {} });
    expect(r.content).toEqual([{ type: 'text', text: 'Checking.' }]);
  });

  it('throws ModelUnavailableError for a stream with two messages in it', async () => {
    const start0 = sse('message_start', {
      type: 'message_start',
      message: {
        id: 'm',
        type: 'message',
        role: 'assistant',
        model: MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      },
    });
    const model = await start(() => ({ raw: start0 + start0 }), { maxRetries: 0 });
    await unavailable(model.next(sampleRequest(), { onText: () => {} }));
  });

  it('throws ModelUnavailableError for a JSON body that is not JSON', async () => {
    const model = await start(() => ({ raw: '<html>502 Bad Gateway</html>' }), { maxRetries: 0 });
    await unavailable(model.next(sampleRequest()));
  });

  it('throws only ModelUnavailableError whatever the onText callback does', async () => {
    const model = await start(() => ok, { maxRetries: 0 });
    await unavailable(
      model.next(sampleRequest(), {
        onText: () => {
          throw new Error('sanitiser bug');
        },
      }),
    );
  });
});

/**
 * A fake Anthropic Messages API on 127.0.0.1 for tests: the real SDK talks to it through
 * `baseURL`. It answers `POST /v1/messages` as JSON, or as server-sent events when the body has
 * `stream: true`, with the real API's shapes (message_start, content_block_start/delta/stop with
 * text_delta and input_json_delta, ping, message_delta with usage, message_stop; error bodies
 * `{type:'error', error:{type, message}}`). A handler scripts each reply: content blocks, an HTTP
 * error, a truncated, stalled or hostile stream, or a raw body.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTextBlock {
  type: 'text';
  text: string;
}
export interface FakeToolUseBlock {
  type: 'tool_use';
  /** Defaults to a fresh `toolu_fake_<n>`. */
  id?: string;
  name: string;
  input?: unknown;
  /**
   * The tool input exactly as the model would stream it, for invalid-JSON tests. Streamed as
   * input_json_delta chunks; in a JSON reply it is sent as a JSON string value (not an object).
   */
  rawInput?: string;
}
export type FakeBlock = FakeTextBlock | FakeToolUseBlock;

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** A model's answer: content blocks, and how to deliver them. */
export interface FakeMessageReply {
  content: FakeBlock[];
  stopReason?: string;
  /** Overrides the computed usage. */
  usage?: Partial<FakeUsage>;
  /** Waits before the response headers (timeout tests). */
  delayMs?: number;
  /** SSE: characters per text_delta / input_json_delta chunk (default 12 / 10). */
  chunkSize?: number;
  /** SSE: sends only the first n events (negative: all but the last -n), then ends the response cleanly (`end`) or resets the socket (`destroy`). */
  truncateAfter?: number;
  truncateMode?: 'end' | 'destroy';
  /** SSE: after the first n events, sends `event: error` with this error and ends. */
  errorAfter?: { events: number; type: string; message: string };
  /** SSE: after the first n events, sends nothing more and keeps the connection open. */
  stallAfter?: number;
}
/** An API error: `{type:'error', error:{type, message}}` with the status. */
export interface FakeErrorReply {
  error: { status: number; type: string; message: string };
  headers?: Record<string, string>;
  delayMs?: number;
}
/** Any body, written as-is (malformed JSON or SSE). */
export interface FakeRawReply {
  raw: string;
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  /** Keeps the connection open after writing the body. */
  hang?: boolean;
  /** Resets the connection after writing the body (a response cut off). */
  destroy?: boolean;
  delayMs?: number;
}
export type FakeReply = FakeMessageReply | FakeErrorReply | FakeRawReply;

/** The request body as the SDK sent it (only the fields the fake reads are typed). */
export interface FakeRequestBody {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system?: Array<{ type: 'text'; text: string; cache_control?: { type: string } }> | string;
  tools?: Array<{ name: string; description?: string; input_schema: unknown; cache_control?: { type: string } }>;
  messages: Array<{ role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> }>;
  [key: string]: unknown;
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: FakeRequestBody;
}

export type FakeHandler = (
  body: FakeRequestBody,
  ctx: { index: number; request: FakeRequest },
) => FakeReply | Promise<FakeReply>;

export interface FakeAnthropic {
  url: string;
  /** Every request received, in order (body and headers). */
  requests: FakeRequest[];
  /** Usage the fake reported, one entry per successful message reply. */
  usage: FakeUsage[];
  close(): Promise<void>;
}

export interface FakeOptions {
  /** Below this many prefix tokens nothing is cached, like the real API (1024 for Sonnet). */
  minCacheTokens?: number;
  /**
   * Sends `retry-after-ms` with 429/5xx errors so the SDK's retries do not sleep their default
   * backoff (the real API sends `retry-after` in seconds). Default 1; `null` to send none.
   */
  retryAfterMs?: number | null;
}

/** A rough token count, good enough for plausible usage numbers (about 4 characters a token). */
export const estimateTokens = (value: unknown): number =>
  Math.ceil((typeof value === 'string' ? value : (JSON.stringify(value) ?? '')).length / 4);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startFakeAnthropic(handler: FakeHandler, options: FakeOptions = {}): Promise<FakeAnthropic> {
  const minCacheTokens = options.minCacheTokens ?? 1024;
  const retryAfterMs = options.retryAfterMs === undefined ? 1 : options.retryAfterMs;
  const requests: FakeRequest[] = [];
  const usageLog: FakeUsage[] = [];
  const cache = new Set<string>();
  let messageCount = 0;
  let toolCount = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        let body: FakeRequestBody;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeRequestBody;
        } catch {
          return sendError(res, {
            status: 400,
            type: 'invalid_request_error',
            message: 'Request body is not valid JSON.',
          });
        }
        const request: FakeRequest = { method: req.method ?? 'GET', path, headers: req.headers, body };
        requests.push(request);
        if (req.method !== 'POST' || path !== '/v1/messages')
          return sendError(res, { status: 404, type: 'not_found_error', message: 'Not found.' });
        const reply = await handler(body, { index: requests.length - 1, request });
        if (reply.delayMs) await sleep(reply.delayMs);
        if (res.destroyed) return;
        if ('error' in reply) return sendError(res, reply.error, reply.headers);
        if ('raw' in reply) {
          res.writeHead(reply.status ?? 200, {
            'content-type': reply.contentType ?? (body.stream ? 'text/event-stream' : 'application/json'),
            ...reply.headers,
          });
          if (reply.hang) res.write(reply.raw);
          else if (reply.destroy) res.write(reply.raw, () => res.socket?.destroy());
          else res.end(reply.raw);
          return;
        }
        const message = buildMessage(body, reply);
        usageLog.push(message.usage);
        if (body.stream) await sendStream(res, message, reply);
        else {
          res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${messageCount}` });
          res.end(JSON.stringify(message));
        }
      })().catch((error: unknown) => {
        if (!res.headersSent)
          sendError(res, { status: 500, type: 'api_error', message: `fake handler failed: ${String(error)}` });
        else res.destroy();
      });
    });
  });

  function sendError(res: ServerResponse, error: FakeErrorReply['error'], headers: Record<string, string> = {}) {
    const retryable = error.status === 429 || error.status >= 500;
    res.writeHead(error.status, {
      'content-type': 'application/json',
      'request-id': `req_fake_err_${requests.length}`,
      ...(retryable && retryAfterMs !== null ? { 'retry-after-ms': String(retryAfterMs) } : {}),
      ...headers,
    });
    res.end(
      JSON.stringify({
        type: 'error',
        error: { type: error.type, message: error.message },
        request_id: `req_fake_err_${requests.length}`,
      }),
    );
  }

  /** Usage like the real API: the tools+system prefix is written to the cache once, then read. */
  function usageFor(body: FakeRequestBody, content: unknown): FakeUsage {
    const system = body.system ?? '';
    const tools = body.tools ?? [];
    const systemMarked = Array.isArray(system) && system.some((b) => b.cache_control);
    const toolsMarked = tools.some((t) => t.cache_control);
    const prefix = systemMarked ? { tools, system } : toolsMarked ? { tools } : null;
    const prefixTokens = prefix ? estimateTokens(prefix) : 0;
    const restTokens =
      estimateTokens(body.messages) +
      (prefix === null || !systemMarked ? estimateTokens(system) : 0) +
      (prefix === null ? estimateTokens(tools) : 0);
    const usage: FakeUsage = {
      input_tokens: restTokens,
      output_tokens: Math.max(1, estimateTokens(content)),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    if (prefix && prefixTokens >= minCacheTokens) {
      const key = createHash('sha256')
        .update(`${body.model}\n${JSON.stringify(prefix)}`)
        .digest('hex');
      if (cache.has(key)) usage.cache_read_input_tokens = prefixTokens;
      else {
        cache.add(key);
        usage.cache_creation_input_tokens = prefixTokens;
      }
    } else usage.input_tokens += prefixTokens;
    return usage;
  }

  function buildMessage(body: FakeRequestBody, reply: FakeMessageReply) {
    const content = reply.content.map((b) =>
      b.type === 'text'
        ? { type: 'text' as const, text: b.text }
        : {
            type: 'tool_use' as const,
            id: b.id ?? `toolu_fake_${++toolCount}`,
            name: b.name,
            input: b.rawInput !== undefined ? b.rawInput : (b.input ?? {}),
          },
    );
    const usage = { ...usageFor(body, content), ...reply.usage };
    return {
      id: `msg_fake_${++messageCount}`,
      type: 'message' as const,
      role: 'assistant' as const,
      model: body.model,
      content,
      stop_reason: reply.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      usage,
    };
  }

  async function sendStream(res: ServerResponse, message: ReturnType<typeof buildMessage>, reply: FakeMessageReply) {
    const events = sseEvents(message, reply);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'request-id': `req_fake_${messageCount}`,
    });
    const limit = reply.truncateAfter ?? reply.errorAfter?.events ?? reply.stallAfter ?? events.length;
    for (const e of events.slice(0, limit)) {
      if (res.destroyed) return;
      res.write(e);
      // separate writes, so the client sees the deltas arrive one by one
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (reply.stallAfter !== undefined) return; // keep the connection open; close() ends it
    if (reply.errorAfter) {
      res.end(
        sse('error', { type: 'error', error: { type: reply.errorAfter.type, message: reply.errorAfter.message } }),
      );
      return;
    }
    if (reply.truncateAfter !== undefined && reply.truncateMode === 'destroy') {
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    usage: usageLog,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function chunk(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The SSE events of a message, in the real API's order and shapes. */
export function sseEvents(
  message: {
    id: string;
    model: string;
    content: Array<{ type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown }>;
    stop_reason: string;
    usage: FakeUsage;
  },
  reply: Pick<FakeMessageReply, 'chunkSize'> = {},
): string[] {
  const { usage } = message;
  const events = [
    sse('message_start', {
      type: 'message_start',
      message: {
        id: message.id,
        type: 'message',
        role: 'assistant',
        model: message.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input_tokens,
          output_tokens: 1,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
        },
      },
    }),
    sse('ping', { type: 'ping' }),
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(
        sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
      );
      for (const piece of chunk(block.text, reply.chunkSize ?? 12))
        events.push(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: piece },
          }),
        );
    } else {
      events.push(
        sse('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
      );
      const json = typeof block.input === 'string' ? block.input : JSON.stringify(block.input);
      // the real API opens a tool input with an empty partial_json
      events.push(
        sse('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: '' },
        }),
      );
      for (const piece of chunk(json, reply.chunkSize ?? 10))
        events.push(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: piece },
          }),
        );
    }
    events.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
  );
  events.push(sse('message_stop', { type: 'message_stop' }));
  return events;
}

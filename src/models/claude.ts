/**
 * The Claude adapter: the Model interface over the official SDK's Messages API.
 *
 * - Streamed turns (`options.onText`) use the raw event stream (`messages.create` with
 *   `stream: true`) assembled here, not the SDK's `messages.stream()` helper: that helper
 *   partial-parses tool input and fails the whole message when one tool input is not valid
 *   JSON, and would repair a cut-off input; here such an input becomes `{}` (refused by the
 *   runtime's validation) and the other blocks survive.
 * - The prompt prefix (tools, then system) is identical on every call and carries the cache
 *   breakpoints; the per-turn state note comes after them, in the last user message.
 * - Transport: undici's `request()` under the SDK (claude/transport.ts), not Node's `fetch`.
 * - Failures: the SDK retries 408/409/429/5xx/529, timeouts and connection errors up to
 *   `maxRetries` times (never 400-class errors); whatever still fails, a stalled or cut-off
 *   stream included, is thrown as ModelUnavailableError and nothing else.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Model, ModelCallOptions, ModelRequest, ModelResponse } from './types.js';
import { toModelUnavailable } from './claude/errors.js';
import { buildMessageParams } from './claude/request.js';
import { createStreamAssembler, knownToolUseIds, mapUsage, normaliseContent } from './claude/response.js';
import { createModelFetch } from './claude/transport.js';

export { buildMessageParams } from './claude/request.js';
export { INVALID_TOOL_NAME } from './claude/response.js';

/** Note: the SDK lists this model as deprecated (end of life 2026-11-30). */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-4-6';

export interface ClaudeModelOptions {
  apiKey: string;
  /** Default https://api.anthropic.com (the environment is read in config, not here). */
  baseURL?: string;
  /** Default DEFAULT_CLAUDE_MODEL. */
  model?: string;
  /** Per attempt: the wait for response headers, and then the longest silence inside a body. Default 30000. */
  timeoutMs?: number;
  /** Retries of 429, 529, 5xx, timeouts and connection errors (the SDK's backoff). Default 2. */
  maxRetries?: number;
  /** Default 1024. */
  maxTokens?: number;
  /** The SDK's own logging; default 'warn'. */
  logLevel?: 'off' | 'error' | 'warn' | 'info' | 'debug';
}

/** Creates the Claude model. Every failure of a call surfaces as ModelUnavailableError. */
export function createClaudeModel(options: ClaudeModelOptions): Model {
  const model = options.model ?? DEFAULT_CLAUDE_MODEL;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxTokens = options.maxTokens ?? 1024;
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL ?? 'https://api.anthropic.com',
    // the transport enforces timeoutMs (connect, headers, silence in a body); the SDK's own timer
    // (around the transport call: headers, and a JSON body, which the transport reads whole) is
    // only a backstop against a body that trickles in forever
    timeout: 2 * timeoutMs,
    maxRetries: options.maxRetries ?? 2,
    fetch: createModelFetch({ idleMs: timeoutMs }),
    logLevel: options.logLevel ?? 'warn',
    // the runtime's telemetry records each model call's span (src/observability/telemetry.ts);
    // the SDK's own spans would duplicate them, and cost CPU on every call even with no tracer
    openTelemetry: false,
  });

  async function complete(request: ModelRequest): Promise<ModelResponse> {
    const params = buildMessageParams(request, model, maxTokens);
    const message = await client.messages.create({ ...params, stream: false }, { signal: request.signal });
    return {
      content: normaliseContent(message.content, knownToolUseIds(request.messages)),
      stopReason: typeof message.stop_reason === 'string' ? message.stop_reason : 'end_turn',
      usage: mapUsage(message.usage),
    };
  }

  async function streamed(request: ModelRequest, onText: (delta: string) => void): Promise<ModelResponse> {
    const params = buildMessageParams(request, model, maxTokens);
    const stream = await client.messages.create({ ...params, stream: true }, { signal: request.signal });
    const assembler = createStreamAssembler(onText);
    // leaving the loop early (a throw) aborts the request: the SDK's iterator does it
    for await (const event of stream) assembler.push(event);
    const assembled = assembler.finish();
    return {
      content: normaliseContent(assembled.content, knownToolUseIds(request.messages)),
      stopReason: assembled.stopReason,
      usage: assembled.usage,
    };
  }

  return {
    name: `claude:${model}`,
    async next(request: ModelRequest, callOptions: ModelCallOptions = {}): Promise<ModelResponse> {
      try {
        return callOptions.onText ? await streamed(request, callOptions.onText) : await complete(request);
      } catch (error) {
        throw toModelUnavailable(error, request.signal);
      }
    },
  };
}

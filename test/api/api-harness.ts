/** Builds the app over a harness runtime, plus helpers to read SSE and problem bodies. */
import { expect } from 'vitest';
import { z } from 'zod';
import { createApp, type AppDeps } from '../../src/api/app.js';
import { ProblemSchema, type Problem } from '../../src/api/problem.js';
import type { Model, ModelRequest, ModelResponse } from '../../src/models/types.js';
import { ZERO_USAGE } from '../../src/models/types.js';
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, type Script } from '../support/scripted-model.js';
import { parseSse } from '../../evals/target.js';

export interface ApiFixture {
  app: ReturnType<typeof createApp>;
  h: Harness;
  unexpected: unknown[];
  close(): Promise<void>;
}

export async function buildApi(
  model: Model | Script = [],
  deps: Partial<Omit<AppDeps, 'runtime'>> = {},
  harness: Parameters<typeof createHarness>[1] = {},
): Promise<ApiFixture> {
  const h = await createHarness(Array.isArray(model) ? scriptedModel(model) : model, harness);
  const unexpected: unknown[] = [];
  const app = createApp({
    runtime: h.runtime,
    adminToken: null,
    health: () => ({ status: 'ok', model: 'scripted', store: 'sqlite', tools: [...h.runtime.toolNames] }),
    operatorHealth: () => ({ status: 'ok', model: 'scripted', store: 'sqlite', usage: h.runtime.usageTotals() }),
    onUnexpectedError: (error) => unexpected.push(error),
    ...deps,
  });
  return { app, h, unexpected, close: () => h.close() };
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Reads a JSON body, checking it against the documented schema. */
export async function readJson<T>(res: Response, schema: z.ZodType<T>): Promise<T> {
  return schema.parse(await res.json());
}

export async function startConversation(
  app: ApiFixture['app'],
): Promise<{ conversation_id: string; token: string; state: string }> {
  const res = await app.request('/api/conversations', { method: 'POST' });
  expect(res.status).toBe(201);
  return readJson(res, z.object({ conversation_id: z.string(), token: z.string(), state: z.string() }));
}

/** One server-sent event of a complete text/event-stream body (the parser is the eval runner's). */
export type SseMessage = ReturnType<typeof parseSse>[number];
export { parseSse };

/** Stack frames, file paths, error class names and the internal error codes (I7). */
const LEAK =
  /\bat .*:\d+:\d+|node_modules|\w+Error\b|\.ts\b|\b(?:NOT_FOUND|SUSPENDED|AUTH_FAILURE|OWNERSHIP_MISMATCH|ACCESS_DENIED|INELIGIBLE|DUPLICATE|LIMIT_EXCEEDED|PAYMENT_FAILED|RATE_LIMITED|SERVER_ERROR|NOT_IMPLEMENTED)\b/;

/** Asserts an RFC 9457 body with exactly the public members, and returns it. */
export async function expectProblem(res: Response, status: number): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await readJson(res, ProblemSchema.strict());
  expect(body.status).toBe(status);
  expect(body.detail).not.toMatch(LEAK);
  return body;
}

/**
 * A model whose first call blocks until released: the turn is then provably in flight (its lease
 * taken) while the test sends something else. Later calls answer at once.
 */
export function gatedModel(reply = 'Thanks, I am looking into it.') {
  let entered: () => void = () => {};
  let release: () => void = () => {};
  const enteredP = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  const model: Model = {
    name: 'gated',
    async next(_req: ModelRequest): Promise<ModelResponse> {
      if (calls++ === 0) {
        entered();
        await gate;
      }
      return { content: [text(reply)], stopReason: 'end_turn', usage: { ...ZERO_USAGE } };
    },
  };
  return { model, entered: enteredP, release };
}

/**
 * The prototype's API, kept working: `POST /api/chat` and `GET /api/chat/stream`. Unlike the
 * prototype, the session id is a capability: it must be unguessable, and the server makes one
 * when the client sends none.
 */
import { randomBytes } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Runtime } from '../runtime/runtime.js';
import type { TurnEvent } from '../runtime/types.js';
import { MessageSchema } from './conversations.js';
import { problemEntry, toProblem } from './problem.js';
import type { RequestGuard } from './rate-limit.js';
import { sessionIdProblem } from './session-id.js';
import { startTurn, streamTurn } from './turn-stream.js';

const SessionIdSchema = z
  .string()
  .superRefine((id, ctx) => {
    const problem = sessionIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({
    description: 'A UUID v4 or 22+ random base64url characters; omit it and the server makes one',
    example: 'hL2v6y0Qm1kq3y8Zr5bWcT9xJd4sNfAe',
  });

export const ChatEventSchema = z
  .discriminatedUnion('event_type', [
    z.object({ event_type: z.literal('text'), content: z.string() }),
    z.object({
      event_type: z.literal('tool_call'),
      tool_name: z.string(),
      tool_input: z.unknown(),
      tool_use_id: z.string(),
    }),
    z.object({
      event_type: z.literal('tool_result'),
      tool_use_id: z.string(),
      result: z.unknown(),
      is_error: z.boolean(),
    }),
    z.object({ event_type: z.literal('error'), error: z.string() }),
  ])
  .openapi('ChatEvent');

export type ChatEvent = z.infer<typeof ChatEventSchema>;

export const ChatResponseSchema = z
  .object({ session_id: z.string(), events: z.array(ChatEventSchema) })
  .openapi('ChatResponse');

/** The prototype's event for a turn event; `state` has no prototype counterpart. */
export function toChatEvent(e: TurnEvent): ChatEvent | null {
  switch (e.type) {
    case 'text':
      return { event_type: 'text', content: e.text };
    case 'tool_call':
      return { event_type: 'tool_call', tool_name: e.name, tool_input: e.input, tool_use_id: e.tool_use_id };
    case 'tool_result':
      return { event_type: 'tool_result', tool_use_id: e.tool_use_id, result: e.result, is_error: e.is_error };
    case 'tool_rejected':
      return { event_type: 'tool_result', tool_use_id: e.tool_use_id, result: e.reason, is_error: true };
    case 'state':
      return null;
  }
}

/** 32 url-safe characters (192 random bits). */
export const newSessionId = () => randomBytes(24).toString('base64url');

const chatRoute = createRoute({
  method: 'post',
  path: '/api/chat',
  tags: ['prototype compatibility'],
  summary: 'Prototype API: send a message in a session',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ session_id: SessionIdSchema.optional(), message: MessageSchema }).openapi('ChatRequest'),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The turn as prototype events',
      content: { 'application/json': { schema: ChatResponseSchema } },
    },
    400: problemEntry('Invalid request'),
    409: problemEntry('Another message of this session is being answered (see Retry-After)'),
    413: problemEntry('Request body too large'),
    429: problemEntry('Too many sessions or messages from this address (see Retry-After)'),
    503: problemEntry('Shutting down (see Retry-After)'),
  },
});

const chatStreamRoute = createRoute({
  method: 'get',
  path: '/api/chat/stream',
  tags: ['prototype compatibility'],
  summary: 'Prototype API: the turn as server-sent events',
  description:
    'Each step is a `data: {event json}` line without an event name; the stream ' +
    'ends with `data: {"event_type": "done"}`. ' +
    'Without session_id the server makes one and returns it in the X-Session-Id header.',
  request: { query: z.object({ session_id: SessionIdSchema.optional(), message: MessageSchema }) },
  responses: {
    200: { description: 'Server-sent events', content: { 'text/event-stream': { schema: z.string() } } },
    400: problemEntry('Invalid request'),
    409: problemEntry('Another message of this session is being answered (see Retry-After)'),
    429: problemEntry('Too many sessions or messages from this address (see Retry-After)'),
    503: problemEntry('Shutting down (see Retry-After)'),
  },
});

const data = (event: ChatEvent | { event_type: 'done' }) => ({ data: JSON.stringify(event) });

/** A message in a session: a new session counts as a conversation created (quotas). */
async function guardSession(guard: RequestGuard, c: Context, sessionId: string | undefined): Promise<string> {
  if (sessionId === undefined) await guard.newConversation(c);
  const id = sessionId ?? newSessionId();
  await guard.message(c, 'session', id);
  return id;
}

export function registerChatCompatRoutes(
  app: OpenAPIHono,
  runtime: Runtime,
  onUnexpected: (error: unknown) => void,
  guard: RequestGuard,
): void {
  app.openapi(chatRoute, async (c) => {
    const body = c.req.valid('json');
    const sessionId = await guardSession(guard, c, body.session_id);
    const { conversationId, token } = await runtime.openSession(sessionId);
    const client = guard.client(c);
    const result = await runtime.sendMessage(conversationId, token, body.message, client ? { client } : {});
    const events = result.events.map(toChatEvent).filter((e): e is ChatEvent => e !== null);
    return c.json({ session_id: sessionId, events }, 200);
  });

  app.openapi(chatStreamRoute, async (c) => {
    const query = c.req.valid('query');
    const sessionId = await guardSession(guard, c, query.session_id);
    const { conversationId, token } = await runtime.openSession(sessionId);
    const client = guard.client(c);
    const turn = await startTurn(
      (options) =>
        runtime.sendMessage(conversationId, token, query.message, { ...options, ...(client ? { client } : {}) }),
      c.req.raw.signal,
    );
    if (!query.session_id) c.header('X-Session-Id', sessionId);
    return streamTurn(
      c,
      turn,
      {
        event: (e) => {
          const chat = toChatEvent(e);
          return chat ? data(chat) : null;
        },
        done: () => [data({ event_type: 'done' })],
        failed: (error) => [
          data({ event_type: 'error', error: toProblem(error).body.detail }),
          data({ event_type: 'done' }),
        ],
      },
      onUnexpected,
    );
  });
}

/** Conversations: create, send a message (JSON or SSE), read. The bearer token is the capability. */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { AuthHeadersSchema, bearerToken } from './auth.js';
import { problemEntry, toProblem } from './problem.js';
import type { RequestGuard } from './rate-limit.js';
import { ConversationViewSchema, TurnResultSchema } from './schemas.js';
import { startTurn, streamTurn, wantsEventStream } from './turn-stream.js';
import { lastEventId, streamLive } from './live-stream.js';

export const MAX_MESSAGE_CHARS = 4000;

export const MessageSchema = z
  .string({ error: 'message is required and must be a string' })
  .min(1, 'message must not be empty')
  .max(MAX_MESSAGE_CHARS, `message must be at most ${MAX_MESSAGE_CHARS} characters`)
  .openapi({ example: 'Hi, my email is sarah@example.com. My blender arrived broken, order ORD-8842.' });

const ParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'conv_3f2a…' }),
});

const MessageHeadersSchema = AuthHeadersSchema.extend({
  accept: z
    .string()
    .optional()
    .openapi({ description: 'Send `text/event-stream` to receive the turn as server-sent events' }),
});

const security = [{ bearerAuth: [] }];

const createConversationRoute = createRoute({
  method: 'post',
  path: '/api/conversations',
  tags: ['conversations'],
  summary: 'Start a conversation',
  description: 'Returns the conversation id and its bearer token (shown once; keep it secret).',
  responses: {
    201: {
      description: 'Created',
      content: {
        'application/json': {
          schema: z
            .object({ conversation_id: z.string(), token: z.string(), state: z.string() })
            .openapi('NewConversation'),
        },
      },
    },
    413: problemEntry('Request body too large'),
    429: problemEntry('Too many conversations from this address (see Retry-After)'),
    503: problemEntry('Not accepting conversations right now'),
  },
});

const endConversationRoute = createRoute({
  method: 'delete',
  path: '/api/conversations/{id}',
  tags: ['conversations'],
  summary: 'End the conversation: its token is revoked (the record of what happened is kept)',
  security,
  request: { params: ParamsSchema, headers: AuthHeadersSchema },
  responses: {
    204: { description: 'Ended; the token opens nothing any more' },
    404: problemEntry('No such conversation, or the token does not open it'),
  },
});

const sendMessageRoute = createRoute({
  method: 'post',
  path: '/api/conversations/{id}/messages',
  tags: ['conversations'],
  summary: 'Send a customer message and get the agent’s turn',
  description:
    'With `Accept: text/event-stream` the turn streams: one event per step (`text`, `tool_call`, `tool_result`, ' +
    '`tool_rejected`, `state`, each with JSON data), then `done` carrying the same body as the JSON answer. ' +
    'A failure after the stream started arrives as an `error` event with a problem body.',
  security,
  request: {
    params: ParamsSchema,
    headers: MessageHeadersSchema,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ message: MessageSchema }).openapi('CustomerMessage') } },
    },
  },
  responses: {
    200: {
      description: 'The turn',
      content: {
        'application/json': { schema: TurnResultSchema },
        'text/event-stream': { schema: z.string().openapi({ description: 'Server-sent events (see description)' }) },
      },
    },
    400: problemEntry('Invalid request'),
    404: problemEntry('No such conversation, or the token does not open it'),
    409: problemEntry('Another message of this conversation is being answered (see Retry-After)'),
    413: problemEntry('Request body too large'),
    415: problemEntry('Body is not JSON'),
    429: problemEntry('Too many messages from this address or to this conversation (see Retry-After)'),
    503: problemEntry('Shutting down (see Retry-After)'),
  },
});

const getConversationRoute = createRoute({
  method: 'get',
  path: '/api/conversations/{id}',
  tags: ['conversations'],
  summary: 'Read a conversation: state, messages, audited proposals, refunds, tickets',
  security,
  request: { params: ParamsSchema, headers: AuthHeadersSchema },
  responses: {
    200: { description: 'The conversation', content: { 'application/json': { schema: ConversationViewSchema } } },
    404: problemEntry('No such conversation, or the token does not open it'),
  },
});

const conversationEventsRoute = createRoute({
  method: 'get',
  path: '/api/conversations/{id}/events',
  tags: ['conversations'],
  summary: "The conversation's customer-visible events as they are committed (SSE, resumable with Last-Event-ID)",
  description:
    'Each event has `id: <n>` (its position in the conversation, in commit order) and `event:` one of ' +
    '`message` `{role: customer|agent|operator|system, text, at, author?}`, `state` `{state, status, awaiting}` ' +
    'or `refund` `{order_id, amount, status: processed|confirming|declined, refund_id?}`. Commits of every server ' +
    'process arrive. Reconnect with `Last-Event-ID` (or `?last_event_id=`) to resume exactly after the last one seen.',
  security,
  request: {
    params: ParamsSchema,
    headers: AuthHeadersSchema.extend({ 'last-event-id': z.string().optional() }),
  },
  responses: {
    200: { description: 'Server-sent events', content: { 'text/event-stream': { schema: z.string() } } },
    404: problemEntry('No such conversation, or the token does not open it'),
  },
});

/** The bearer token, or the same 404 an unknown conversation gets (existence is not revealed). */
function conversationToken(authorization: string | undefined): string {
  const token = bearerToken(authorization);
  if (!token) throw new NotFoundError();
  return token;
}

export function registerConversationRoutes(
  app: OpenAPIHono,
  runtime: Runtime,
  onUnexpected: (error: unknown) => void,
  guard: RequestGuard,
  options: { livePollMs: number },
): void {
  app.openapi(createConversationRoute, async (c) => {
    await guard.newConversation(c);
    // a response that carries a new token is never cached
    return c.json(await runtime.createConversation(), 201, { 'Cache-Control': 'no-store' });
  });

  app.openapi(endConversationRoute, async (c) => {
    const { id } = c.req.valid('param');
    await runtime.revokeConversation(id, conversationToken(c.req.valid('header').authorization));
    return c.body(null, 204);
  });

  app.openapi(conversationEventsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const headers = c.req.valid('header');
    const token = conversationToken(headers.authorization);
    await runtime.customerEvents(id, token, Number.MAX_SAFE_INTEGER); // 404 before the stream opens
    return streamLive(
      c,
      lastEventId(headers['last-event-id'], c.req.query('last_event_id')),
      { read: (after) => runtime.customerEvents(id, token, after), subscribe: (wake) => runtime.subscribe(id, wake) },
      { pollMs: options.livePollMs, heartbeatMs: 15_000 },
    ) as never;
  });

  app.openapi(sendMessageRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { authorization, accept } = c.req.valid('header');
    const { message } = c.req.valid('json');
    const token = conversationToken(authorization);
    await guard.message(c, id, token);
    const client = guard.client(c);
    const from = client ? { client } : {};
    if (!wantsEventStream(accept)) return c.json(await runtime.sendMessage(id, token, message, from), 200);

    const turn = await startTurn(
      (options) => runtime.sendMessage(id, token, message, { ...options, ...from }),
      c.req.raw.signal,
    );
    return streamTurn(
      c,
      turn,
      {
        event: (e) => ({ event: e.type, data: JSON.stringify(e) }),
        done: (result) => [{ event: 'done', data: JSON.stringify(result) }],
        failed: (error) => [{ event: 'error', data: JSON.stringify(toProblem(error).body) }],
      },
      onUnexpected,
    );
  });

  app.openapi(getConversationRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { authorization } = c.req.valid('header');
    return c.json(await runtime.getConversation(id, conversationToken(authorization)), 200, {
      'Cache-Control': 'no-store',
    });
  });
}

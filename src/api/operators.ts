/**
 * Operator endpoints (each operator has their own bearer token; SUPPORT_ADMIN_TOKEN is the
 * supervisor `admin`): refunds and tickets, the queue, a conversation's audit view and live events,
 * and the decisions a person can take (I14 approvals, I15 takeover, reply, handback, resolve).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Operator, OperatorDirectory } from '../operators/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { AuthHeadersSchema, bearerToken } from './auth.js';
import { lastEventId, streamLive } from './live-stream.js';
import { ApiProblem, ConflictProblemSchema, PROBLEM_CONTENT_TYPE, problemEntry } from './problem.js';
import { OperatorViewSchema, QueueSchema, RefundSchema, TicketSchema } from './schemas.js';
import { MessageSchema } from './conversations.js';

const security = [{ operatorAuth: [] }];
const authResponses = {
  401: problemEntry('Missing or wrong operator token'),
  404: problemEntry('No such conversation, or operator endpoints are disabled'),
};
const conflict = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ConflictProblemSchema } },
});

const IdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const LiveHeaders = AuthHeadersSchema.extend({
  'last-event-id': z.string().optional().openapi({ description: 'Resume after this event id' }),
});

export type OperatorAuthenticator = (authorization: string | undefined) => Promise<Operator>;

/** The operator a token belongs to, or the problem the request gets. */
export function operatorAuthenticator(directory: OperatorDirectory | null): OperatorAuthenticator {
  return async (authorization: string | undefined): Promise<Operator> => {
    if (!directory)
      throw new ApiProblem(404, 'operator endpoints are disabled; set SUPPORT_ADMIN_TOKEN or add an operator');
    const token = bearerToken(authorization);
    const operator = token ? await directory.authenticate(token) : null;
    if (!operator)
      throw new ApiProblem(401, 'a valid operator token is required (Authorization: Bearer <operator token>)', {
        'WWW-Authenticate': 'Bearer realm="operators"',
      });
    return operator;
  };
}

const get = (path: string, summary: string, schema: z.ZodType) =>
  createRoute({
    method: 'get',
    path,
    tags: ['operators'],
    summary,
    security,
    request: { headers: AuthHeadersSchema },
    responses: { 200: { description: 'OK', content: { 'application/json': { schema } } }, ...authResponses },
  });

const action = (path: string, summary: string) =>
  createRoute({
    method: 'post',
    path,
    tags: ['operators'],
    summary,
    security,
    request: {
      params: IdParams,
      headers: AuthHeadersSchema,
    },
    responses: {
      200: {
        description: 'Done: the operator view after it',
        content: { 'application/json': { schema: OperatorViewSchema } },
      },
      400: problemEntry('Invalid request'),
      403: conflict('Only a supervisor may decide approvals'),
      409: conflict('The machine does not accept this now; `allowed` lists what it accepts'),
      ...authResponses,
    },
  });

const ApprovalBody = z
  .object({
    decision: z.enum(['approve', 'deny']),
    digest: z.string().min(1).max(200).openapi({ description: 'The digest of the request, as the queue shows it' }),
    note: z.string().max(1000).optional().openapi({ description: 'For a denial: a reason the customer can read' }),
  })
  .openapi('ApprovalDecision');

const ApprovalParams = IdParams.extend({
  requestId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'requestId', in: 'path' } }),
});

export interface OperatorRouteOptions {
  /** How often live streams look for commits of other processes. */
  livePollMs: number;
}

export function registerOperatorRoutes(
  app: OpenAPIHono,
  runtime: Runtime,
  directory: OperatorDirectory | null,
  options: OperatorRouteOptions,
): void {
  const authenticate = operatorAuthenticator(directory);
  const noStore = { 'Cache-Control': 'no-store' };

  app.openapi(get('/api/refunds', 'Every refund', z.object({ refunds: z.array(RefundSchema) })), async (c) => {
    await authenticate(c.req.valid('header').authorization);
    return c.json({ refunds: await runtime.listRefunds() }, 200, noStore);
  });
  app.openapi(
    get('/api/tickets', 'Every ticket handed to humans', z.object({ tickets: z.array(TicketSchema) })),
    async (c) => {
      await authenticate(c.req.valid('header').authorization);
      return c.json({ tickets: await runtime.listTickets() }, 200, noStore);
    },
  );
  const MeSchema = z.object({ name: z.string(), role: z.enum(['agent', 'supervisor']) }).openapi('Operator');
  app.openapi(get('/api/operator/me', 'The operator this token belongs to', MeSchema), async (c) => {
    const me = await authenticate(c.req.valid('header').authorization);
    return c.json(me, 200, noStore);
  });
  app.openapi(
    get(
      '/api/operator/queue',
      'Open tickets, approval requests and taken-over conversations, oldest first',
      QueueSchema,
    ),
    async (c) => {
      await authenticate(c.req.valid('header').authorization);
      return c.json({ items: await runtime.operatorQueue() }, 200, noStore);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/operator/conversations/{id}',
      tags: ['operators'],
      summary: 'A conversation: the full audit view and the events allowed now',
      security,
      request: { params: IdParams, headers: AuthHeadersSchema },
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: OperatorViewSchema } } },
        ...authResponses,
      },
    }),
    async (c) => {
      const me = await authenticate(c.req.valid('header').authorization);
      return c.json(await runtime.operatorView(c.req.valid('param').id, me), 200, noStore);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/operator/conversations/{id}/events',
      tags: ['operators'],
      summary: "A conversation's live events (SSE, resumable with Last-Event-ID), proposals included",
      security,
      request: { params: IdParams, headers: LiveHeaders },
      responses: {
        200: { description: 'Server-sent events', content: { 'text/event-stream': { schema: z.string() } } },
        ...authResponses,
      },
    }),
    async (c) => {
      const headers = c.req.valid('header');
      await authenticate(headers.authorization);
      const { id } = c.req.valid('param');
      await runtime.operatorEvents(id, Number.MAX_SAFE_INTEGER); // 404 before the stream opens
      return streamLive(
        c,
        lastEventId(headers['last-event-id'], c.req.query('last_event_id')),
        { read: (after) => runtime.operatorEvents(id, after), subscribe: (wake) => runtime.subscribe(id, wake) },
        { pollMs: options.livePollMs, heartbeatMs: 15_000 },
      ) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/operator/conversations/{id}/approvals/{requestId}',
      tags: ['operators'],
      summary: 'Approve or deny a refund above the limit (supervisors), bound to the request id and its digest',
      security,
      request: {
        params: ApprovalParams,
        headers: AuthHeadersSchema,
        body: { required: true, content: { 'application/json': { schema: ApprovalBody } } },
      },
      responses: {
        200: { description: 'Decided', content: { 'application/json': { schema: OperatorViewSchema } } },
        400: problemEntry('Invalid request'),
        403: conflict('Only a supervisor may decide approvals'),
        409: conflict('No such open request, a wrong digest, expired, or already decided'),
        ...authResponses,
      },
    }),
    async (c) => {
      const me = await authenticate(c.req.valid('header').authorization);
      const { id, requestId } = c.req.valid('param');
      const body = c.req.valid('json');
      const note = body.note === undefined ? {} : { note: body.note };
      const act = { kind: body.decision, requestId, digest: body.digest, ...note } as const;
      return c.json(await runtime.operatorAct(id, me, act), 200, noStore);
    },
  );

  const simple = [
    ['takeover', 'Take the conversation over: the agent goes silent, the customer is told (I15)'],
    ['handback', 'Hand the conversation back to the agent (it resumes with a note of what the person did)'],
    ['resolve', 'Close the conversation'],
  ] as const;
  for (const [kind, summary] of simple) {
    app.openapi(action(`/api/operator/conversations/{id}/${kind}`, summary), async (c) => {
      const me = await authenticate(c.req.valid('header').authorization);
      return c.json(await runtime.operatorAct(c.req.valid('param').id, me, { kind }), 200, noStore);
    });
  }
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/operator/conversations/{id}/messages',
      tags: ['operators'],
      summary: 'Reply to the customer as a person (sanitised like everything a customer sees)',
      security,
      request: {
        params: IdParams,
        headers: AuthHeadersSchema,
        body: {
          required: true,
          content: { 'application/json': { schema: z.object({ message: MessageSchema }).openapi('OperatorMessage') } },
        },
      },
      responses: {
        200: { description: 'Sent', content: { 'application/json': { schema: OperatorViewSchema } } },
        400: problemEntry('Invalid request'),
        409: conflict('Take the conversation over first'),
        ...authResponses,
      },
    }),
    async (c) => {
      const me = await authenticate(c.req.valid('header').authorization);
      const { message } = c.req.valid('json');
      return c.json(await runtime.operatorAct(c.req.valid('param').id, me, { kind: 'reply', message }), 200, noStore);
    },
  );
}

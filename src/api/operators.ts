/** Operator endpoints: every refund and ticket, behind SUPPORT_ADMIN_TOKEN. */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Runtime } from '../runtime/runtime.js';
import { AuthHeadersSchema, bearerToken, sameSecret } from './auth.js';
import { ApiProblem, problemEntry } from './problem.js';
import { RefundSchema, TicketSchema } from './schemas.js';

const security = [{ operatorAuth: [] }];
const responses = {
  401: problemEntry('Missing or wrong operator token'),
  404: problemEntry('Operator endpoints are disabled (no SUPPORT_ADMIN_TOKEN)'),
};

const listRefundsRoute = createRoute({
  method: 'get',
  path: '/api/refunds',
  tags: ['operators'],
  summary: 'Every refund (operators)',
  security,
  request: { headers: AuthHeadersSchema },
  responses: {
    200: { description: 'Refunds', content: { 'application/json': { schema: z.object({ refunds: z.array(RefundSchema) }) } } },
    ...responses,
  },
});

const listTicketsRoute = createRoute({
  method: 'get',
  path: '/api/tickets',
  tags: ['operators'],
  summary: 'Every ticket handed to humans (operators)',
  security,
  request: { headers: AuthHeadersSchema },
  responses: {
    200: { description: 'Tickets', content: { 'application/json': { schema: z.object({ tickets: z.array(TicketSchema) }) } } },
    ...responses,
  },
});

/** Throws the problem an unauthorised operator request gets; returns when the token is right. */
export function requireOperator(adminToken: string | null, authorization: string | undefined): void {
  if (adminToken === null) throw new ApiProblem(404, 'operator endpoints are disabled; set SUPPORT_ADMIN_TOKEN');
  const token = bearerToken(authorization);
  if (token === null || !sameSecret(token, adminToken))
    throw new ApiProblem(401, 'a valid operator token is required (Authorization: Bearer <SUPPORT_ADMIN_TOKEN>)', {
      'WWW-Authenticate': 'Bearer realm="operators"',
    });
}

export function registerOperatorRoutes(app: OpenAPIHono, runtime: Runtime, adminToken: string | null): void {
  app.openapi(listRefundsRoute, async (c) => {
    requireOperator(adminToken, c.req.valid('header').authorization);
    return c.json({ refunds: await runtime.listRefunds() }, 200);
  });
  app.openapi(listTicketsRoute, async (c) => {
    requireOperator(adminToken, c.req.valid('header').authorization);
    return c.json({ tickets: await runtime.listTickets() }, 200);
  });
}

/**
 * `GET /api/operator/mailbox`: the development mailbox (the embedded mailer stores mail instead of
 * sending it), so a developer or a test can read the one-time codes it "sent". Operators only.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Mailbox } from '../backends/types.js';
import { AuthHeadersSchema, bearerToken, sameSecret } from './auth.js';
import { ApiProblem, problemEntry } from './problem.js';

/**
 * Decides an operator request from its Authorization header: resolves to the operator (any value)
 * or null for "not an operator" (401); it may also throw an ApiProblem of its own.
 */
export type OperatorAuthorizer = (authorization: string | undefined) => unknown;

export interface MailboxRouteDeps {
  mailbox: Mailbox;
  authorizeOperator: OperatorAuthorizer;
}

const unauthorised = () =>
  new ApiProblem(401, 'a valid operator token is required (Authorization: Bearer <operator token>)', {
    'WWW-Authenticate': 'Bearer realm="operators"',
  });

/** The operator check of SUPPORT_ADMIN_TOKEN alone (until operator accounts are wired in). */
export function adminTokenAuthorizer(adminToken: string | null): OperatorAuthorizer {
  return (authorization) => {
    if (adminToken === null) throw new ApiProblem(404, 'operator endpoints are disabled; set SUPPORT_ADMIN_TOKEN');
    const token = bearerToken(authorization);
    return token !== null && sameSecret(token, adminToken) ? { name: 'admin', role: 'supervisor' } : null;
  };
}

const MailSchema = z
  .object({
    message_id: z.string(),
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    sent_at: z.string(),
  })
  .openapi('Mail');

const mailboxRoute = createRoute({
  method: 'get',
  path: '/api/operator/mailbox',
  tags: ['operators'],
  summary: 'The development mailbox: mail the embedded mailer stored instead of sending (newest first)',
  security: [{ operatorAuth: [] }],
  request: {
    headers: AuthHeadersSchema,
    query: z.object({
      to: z
        .string()
        .max(254)
        .optional()
        .openapi({ description: 'Only mail to this address', example: 'sarah@example.com' }),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(500)
        .optional()
        .openapi({ description: 'At most this many (default 100)' }),
    }),
  },
  responses: {
    200: { description: 'Mail', content: { 'application/json': { schema: z.object({ mail: z.array(MailSchema) }) } } },
    400: problemEntry('Invalid query'),
    401: problemEntry('Missing or wrong operator token'),
    404: problemEntry('Operator endpoints are disabled'),
  },
});

export function registerMailboxRoutes(app: OpenAPIHono, deps: MailboxRouteDeps): void {
  app.openapi(mailboxRoute, async (c) => {
    const operator = await deps.authorizeOperator(c.req.valid('header').authorization);
    if (operator === null || operator === undefined || operator === false) throw unauthorised();
    const { to, limit } = c.req.valid('query');
    const mail = await deps.mailbox.list({ ...(to ? { to } : {}), ...(limit ? { limit } : {}) });
    return c.json(
      {
        mail: mail.map((m) => ({
          message_id: m.messageId,
          to: m.to,
          subject: m.subject,
          text: m.text,
          sent_at: m.sentAt,
        })),
      },
      200,
    );
  });
}

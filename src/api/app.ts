/**
 * The HTTP API: routes declared with zod (validated and documented at /api/openapi.json), one
 * file per resource, every error mapped once, here, to RFC 9457 problem+json.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { bodyLimit } from 'hono/body-limit';
import type { Mailbox } from '../backends/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { registerChatCompatRoutes } from './chat-compat.js';
import { registerConversationRoutes } from './conversations.js';
import { registerHealthRoutes, type HealthReport } from './health.js';
import { adminTokenAuthorizer, registerMailboxRoutes, type OperatorAuthorizer } from './mailbox.js';
import { registerMcpRoutes, type McpHttpOptions } from './mcp.js';
import { registerOperatorRoutes } from './operators.js';
import { ApiProblem, problemResponse, toProblem } from './problem.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
export const API_TITLE = 'Support resolution agent';

export interface AppDeps {
  runtime: Runtime;
  /** SUPPORT_ADMIN_TOKEN; null disables the operator endpoints. */
  adminToken: string | null;
  /** Largest accepted request body (default 16 KiB). */
  maxBodyBytes?: number;
  health: HealthReport;
  /** Where unexpected errors go (server-side only; the client gets a bare 500). Default: stderr. */
  onUnexpectedError?: (error: unknown) => void;
  /** Version shown in the OpenAPI document. */
  version?: string;
  /** The MCP server at `ALL /mcp` (issue 14); absent: no /mcp route. */
  mcp?: McpHttpOptions;
  /** The development mailbox at `GET /api/operator/mailbox` (embedded mailer only); absent: no route. */
  mailbox?: Mailbox | null;
  /** Operator check for the mailbox; default: SUPPORT_ADMIN_TOKEN (adminToken). */
  authorizeOperator?: OperatorAuthorizer;
}

/** A plain sentence from zod issues, e.g. "message: message must not be empty". */
export function describeIssues(error: ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.map(String).join('.');
    return where && !issue.message.startsWith(where) ? `${where}: ${issue.message}` : issue.message;
  });
  return parts.join('; ') || 'the request is not valid';
}

const logToStderr = (error: unknown) => {
  process.stderr.write(`unexpected API error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
};

/**
 * Creates the Hono app over a runtime. No socket: serve `app.fetch` (main.ts) or call
 * `app.request()` (tests).
 */
export function createApp(deps: AppDeps): OpenAPIHono {
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const onUnexpected = deps.onUnexpectedError ?? logToStderr;
  const app = new OpenAPIHono({
    // Validation failures are thrown once and answered by onError like every other error.
    defaultHook: (result) => {
      if (!result.success) throw new ApiProblem(400, describeIssues(result.error));
    },
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new ApiProblem(413, `the request body must be at most ${maxBodyBytes} bytes`);
      },
    }),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'The conversation token returned by POST /api/conversations',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'operatorAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'SUPPORT_ADMIN_TOKEN',
  });

  registerHealthRoutes(app, deps.health);
  registerConversationRoutes(app, deps.runtime, onUnexpected);
  registerOperatorRoutes(app, deps.runtime, deps.adminToken);
  registerChatCompatRoutes(app, deps.runtime, onUnexpected);
  if (deps.mailbox)
    registerMailboxRoutes(app, {
      mailbox: deps.mailbox,
      authorizeOperator: deps.authorizeOperator ?? adminTokenAuthorizer(deps.adminToken),
    });
  if (deps.mcp) registerMcpRoutes(app, deps.runtime, { onUnexpectedError: onUnexpected, ...deps.mcp });

  let document: Record<string, unknown> | null = null;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/openapi.json',
      tags: ['service'],
      summary: 'This OpenAPI 3.1 document',
      responses: { 200: { description: 'OpenAPI document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
    }),
    (c) => {
      // Built on first request: every route is registered by then.
      document ??= {
        ...app.getOpenAPI31Document({
          openapi: '3.1.0',
          info: {
            title: API_TITLE,
            version: deps.version ?? '0.1.0',
            description: 'A customer-support agent whose safety does not depend on the model behaving. Errors are RFC 9457 problem+json.',
          },
        }),
      };
      return c.json(document, 200);
    },
  );

  app.notFound(() => problemResponse(toProblem(new ApiProblem(404, 'no such endpoint'))));
  app.onError((error) => {
    const mapped = toProblem(error);
    if (mapped.unexpected) onUnexpected(error);
    return problemResponse(mapped);
  });
  return app;
}

/**
 * The HTTP API: routes declared with zod (validated and documented at /api/openapi.json), one
 * file per resource, every error mapped once, here, to RFC 9457 problem+json.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { AnyStateMachine } from 'xstate';
import type { Mailbox } from '../backends/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { createLogger, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { observeRequests, requestIds } from '../observability/http.js';
import { BodyReadError, bodyReadReason, readBodies } from './body.js';
import { registerChatCompatRoutes } from './chat-compat.js';
import { registerConversationRoutes } from './conversations.js';
import { conversationLog, factsFromEvents } from '../inspect/log.js';
import type { OperatorDirectory } from '../operators/types.js';
import { createOperatorDirectory } from '../operators/directory.js';
import { allowedMethods, noStore } from './http-semantics.js';
import { registerHealthRoutes, type HealthReport, type OperatorHealthReport } from './health.js';
import { registerInspectionRoutes } from './inspection.js';
import { registerMachineRoutes } from './machine.js';
import { registerMetricsRoute } from './metrics.js';
import { operatorAuthenticator, registerOperatorRoutes } from './operators.js';
import { registerMailboxRoutes } from './mailbox.js';
import { registerMcpRoutes, type McpHttpOptions } from './mcp.js';
import { ApiProblem, problemResponse, toProblem } from './problem.js';
import { createRequestGuard, type ApiLimits } from './rate-limit.js';
import { registerWebRoutes, type WebOptions } from './web.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
export const API_TITLE = 'Support resolution agent';

export interface AppDeps {
  runtime: Runtime;
  /** SUPPORT_ADMIN_TOKEN (the supervisor `admin`); with no `operators` either, operator endpoints are disabled. */
  adminToken: string | null;
  /** Named operators with their own tokens (main.ts: the store's accounts, plus the admin token). */
  operators?: OperatorDirectory;
  /** How often live streams look for commits made by other processes (default 1000 ms). */
  livePollMs?: number;
  /** Largest accepted request body (default 16 KiB). */
  maxBodyBytes?: number;
  /** The public health body: status, model, store kind, tools. */
  health: HealthReport;
  /** The operator's health body (GET /api/operator/health); default: the public one. */
  operatorHealth?: OperatorHealthReport;
  /** Where unexpected errors go (server-side only; the client gets a bare 500). Default: the logger. */
  onUnexpectedError?: (error: unknown) => void;
  /** One line per request, unexpected errors (pino). Default: warnings and errors to stdout. */
  logger?: Logger;
  /** HTTP counters, and GET /metrics behind the operator token. Default: no metrics. */
  metrics?: Metrics;
  /** Quotas on conversations and messages (per address, per conversation); default: none. */
  limits?: ApiLimits;
  /** Reverse-proxy hops whose X-Forwarded-For entries are trusted (SUPPORT_TRUST_PROXY); default 0. */
  trustProxyHops?: number;
  /** Version shown in the OpenAPI document. */
  version?: string;
  /** The conversation machine: serves GET /api/machine and /api/machine.svg when given. */
  machine?: AnyStateMachine;
  /** Input for the literal context of /api/machine's Studio code (placeholders: the endpoint is public). */
  machineSampleInput?: Record<string, unknown>;
  /** Serve the chat page (/) and operator console (/console) from this build; omitted: no pages. */
  web?: WebOptions;
  /** The MCP server at `ALL /mcp` (issue 14); absent: no /mcp route. */
  mcp?: McpHttpOptions;
  /** The development mailbox at `GET /api/operator/mailbox` (embedded mailer only); absent: no route. */
  mailbox?: Mailbox | null;
}

/** A plain sentence from zod issues, e.g. "message: message must not be empty". */
export function describeIssues(error: ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.map(String).join('.');
    return where && !issue.message.startsWith(where) ? `${where}: ${issue.message}` : issue.message;
  });
  return parts.join('; ') || 'the request is not valid';
}

/**
 * Creates the Hono app over a runtime. No socket: serve `app.fetch` (main.ts) or call
 * `app.request()` (tests).
 */
export function createApp(deps: AppDeps): OpenAPIHono {
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = deps.logger ?? createLogger({ level: 'warn' });
  const onUnexpected = deps.onUnexpectedError ?? ((err: unknown) => logger.error({ err }, 'unexpected API error'));
  const app = new OpenAPIHono({
    // Validation failures are thrown once and answered by onError like every other error.
    defaultHook: (result) => {
      if (!result.success) throw new ApiProblem(400, describeIssues(result.error));
    },
  });

  app.use('*', requestIds());
  app.use('*', observeRequests({ logger, metrics: deps.metrics }));
  app.use('/api/*', noStore());
  app.use(
    '*',
    readBodies({
      maxBytes: maxBodyBytes,
      tooLarge: () => {
        throw new ApiProblem(413, `the request body must be at most ${maxBodyBytes} bytes`);
      },
      streamed: (path) => path === '/mcp',
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

  const directory =
    deps.operators ?? (deps.adminToken ? createOperatorDirectory({ adminToken: deps.adminToken }) : null);
  const authenticate = operatorAuthenticator(directory);
  const livePollMs = deps.livePollMs ?? 1000;
  registerHealthRoutes(app, deps.health, deps.operatorHealth, authenticate);
  const guard = createRequestGuard(deps.limits, deps.trustProxyHops ?? 0);
  registerConversationRoutes(app, deps.runtime, onUnexpected, guard, { livePollMs });
  registerOperatorRoutes(app, deps.runtime, directory, { livePollMs });
  if (deps.machine) {
    const sample = deps.machineSampleInput ? { sampleInput: deps.machineSampleInput } : {};
    registerMachineRoutes(app, { machine: deps.machine, ...sample });
    const store = deps.runtime.store;
    registerInspectionRoutes(app, {
      machine: deps.machine,
      authorizeOperator: authenticate,
      conversationLog: (id) => conversationLog(store, id),
      subscribe: (id, listener) => deps.runtime.subscribe(id, (events) => listener(factsFromEvents(events))),
    });
  }
  registerChatCompatRoutes(app, deps.runtime, onUnexpected, guard);
  if (deps.metrics) registerMetricsRoute(app, deps.metrics, authenticate);
  if (deps.web) registerWebRoutes(app, deps.web);
  if (deps.mailbox) registerMailboxRoutes(app, { mailbox: deps.mailbox, authorizeOperator: authenticate });
  if (deps.mcp) registerMcpRoutes(app, deps.runtime, { onUnexpectedError: onUnexpected, ...deps.mcp });

  let document: Record<string, unknown> | null = null;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/openapi.json',
      tags: ['service'],
      summary: 'This OpenAPI 3.1 document',
      responses: {
        200: {
          description: 'OpenAPI document',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    }),
    (c) => {
      // Built on first request: every route is registered by then.
      document ??= {
        ...app.getOpenAPI31Document({
          openapi: '3.1.0',
          info: {
            title: API_TITLE,
            version: deps.version ?? '0.1.0',
            description:
              'A customer-support agent whose safety does not depend on the model behaving. ' +
              'Errors are RFC 9457 problem+json.',
          },
        }),
      };
      return c.json(document, 200);
    },
  );

  app.notFound((c) => {
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length === 0) return problemResponse(toProblem(new ApiProblem(404, 'no such endpoint')));
    const detail = `this endpoint answers ${allow.join(', ')}`;
    return problemResponse(toProblem(new ApiProblem(405, detail, { Allow: allow.join(', ') })));
  });
  app.onError((error, c) => {
    const mapped = toProblem(error);
    const reqId = c.get('requestId');
    if (error instanceof BodyReadError) {
      logger.debug({ reqId, reason: bodyReadReason(error) }, 'request body could not be read');
    } else if (mapped.unexpected) {
      if (deps.onUnexpectedError) deps.onUnexpectedError(error);
      else logger.error({ err: error, reqId }, 'unexpected API error');
    }
    return problemResponse(mapped);
  });
  return app;
}

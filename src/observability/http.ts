/**
 * One log line and the HTTP metrics per request: request id (accepted from X-Request-Id when
 * tame, else made; always echoed), route pattern, method, status, duration, and the conversation
 * id when the route has one. No headers, bodies or client addresses are logged.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** Accepts a client's X-Request-Id of up to 128 `[A-Za-z0-9_=-]` characters; otherwise makes a UUID. */
export const requestIds = (): MiddlewareHandler => requestId({ limitLength: 128 });

/** The pattern of the route that answered (`/api/conversations/:id`), or null when none matched. */
export function answeredRoute(c: Context): string | null {
  const route = matchedRoutes(c)[c.req.routeIndex];
  return route && route.method !== 'ALL' ? route.path : null;
}

export function observeRequests(o: { logger: Logger; metrics?: Metrics | undefined }): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next(); // a thrown error has been turned into a response by onError by now
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const route = answeredRoute(c);
    const status = c.res.status;
    o.metrics?.httpRequest({ method: c.req.method, route: route ?? 'unmatched', status, durationMs });
    const conversationId = route?.includes('/:id') ? c.req.param('id') : undefined;
    const line = { reqId: c.get('requestId'), method: c.req.method, route, status, durationMs, conversationId };
    if (status >= 500) o.logger.warn(line, 'request');
    else o.logger.info(line, 'request');
  };
}

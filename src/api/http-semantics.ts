/** HTTP details every route shares: no caching of API answers, 405 with Allow for a wrong method. */
import type { MiddlewareHandler } from 'hono';
import type { RouterRoute } from 'hono/types';

/**
 * API answers carry tokens, conversations and operator lists: no cache (browser, proxy) may keep
 * them. SSE streams too (Hono's own `no-cache` is weaker). Only the OpenAPI document is cacheable.
 */
export function noStore(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.req.path !== '/api/openapi.json') c.res.headers.set('Cache-Control', 'no-store');
  };
}

/** `/api/conversations/:id/messages` → a regular expression matching concrete paths. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) {
        const custom = /\{(.+)\}$/.exec(segment);
        return custom ? `(?:${custom[1]})` : '[^/]+';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/**
 * The methods routed for `path` (HEAD wherever GET is: Hono answers HEAD with the GET route), or
 * an empty list when no route has this path. Middleware (`ALL`) does not count.
 */
export function allowedMethods(routes: readonly RouterRoute[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === 'ALL' || !pathPattern(route.path).test(path)) continue;
    methods.add(route.method.toUpperCase());
    if (route.method.toUpperCase() === 'GET') methods.add('HEAD');
  }
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  return [...methods].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

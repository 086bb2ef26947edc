/** GET /metrics (Prometheus text): behind the operator token here, or on its own port (METRICS_PORT). */
import { Hono } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Metrics } from '../observability/metrics.js';
import type { OperatorAuthenticator } from './operators.js';

const exposition = async (metrics: Metrics) =>
  new Response(await metrics.text(), { headers: { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' } });

export function registerMetricsRoute(app: OpenAPIHono, metrics: Metrics, authenticate: OperatorAuthenticator): void {
  app.get('/metrics', async (c) => {
    await authenticate(c.req.header('authorization'));
    return exposition(metrics);
  });
}

/**
 * The metrics alone, without a token, for METRICS_PORT: bind it where only the scraper reaches
 * (METRICS_HOST, default 127.0.0.1).
 */
export function createMetricsApp(metrics: Metrics): Hono {
  const app = new Hono();
  app.get('/metrics', () => exposition(metrics));
  app.notFound((c) => c.text('not found', 404));
  return app;
}

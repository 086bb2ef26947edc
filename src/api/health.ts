/** Liveness and what the service runs with (model, store, tools, usage totals). */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';

export type HealthReport = () => Promise<Record<string, unknown>> | Record<string, unknown>;

const healthRoute = createRoute({
  method: 'get',
  path: '/api/health',
  tags: ['service'],
  summary: 'Health: status, model, store, tool names, usage totals',
  responses: {
    200: {
      description: 'Healthy',
      content: {
        'application/json': {
          schema: z
            .record(z.string(), z.unknown())
            .openapi('Health', { example: { status: 'ok', model: 'offline', store: 'sqlite', tools: ['get_customer'] } }),
        },
      },
    },
  },
});

export function registerHealthRoutes(app: OpenAPIHono, health: HealthReport): void {
  app.openapi(healthRoute, async (c) => c.json(await health(), 200));
}

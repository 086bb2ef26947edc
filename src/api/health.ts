/**
 * Health. The public report says only what runs (status, model, store kind, tool names); the
 * details (where the store is, process-wide usage totals, pending effects) are for operators.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { AuthHeadersSchema } from './auth.js';
import type { OperatorAuthenticator } from './operators.js';
import { problemEntry } from './problem.js';

export const PublicHealthSchema = z
  .object({
    status: z.literal('ok'),
    model: z.string(),
    store: z.enum(['sqlite', 'postgres']),
    tools: z.array(z.string()),
  })
  .openapi('Health', { example: { status: 'ok', model: 'offline', store: 'sqlite', tools: ['get_customer'] } });

export type PublicHealth = z.infer<typeof PublicHealthSchema>;
export type HealthReport = () => Promise<PublicHealth> | PublicHealth;
export type OperatorHealthReport = () => Promise<Record<string, unknown>> | Record<string, unknown>;

const healthRoute = createRoute({
  method: 'get',
  path: '/api/health',
  tags: ['service'],
  summary: 'Health: status, model, store kind, tool names',
  responses: { 200: { description: 'Healthy', content: { 'application/json': { schema: PublicHealthSchema } } } },
});

const operatorHealthRoute = createRoute({
  method: 'get',
  path: '/api/operator/health',
  tags: ['operators'],
  summary: 'Health with details: store location, usage totals, pending effects (operators)',
  security: [{ operatorAuth: [] }],
  request: { headers: AuthHeadersSchema },
  responses: {
    200: {
      description: 'Healthy',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()).openapi('OperatorHealth') } },
    },
    401: problemEntry('Missing or wrong operator token'),
    404: problemEntry('Operator endpoints are disabled (no SUPPORT_ADMIN_TOKEN and no operators)'),
  },
});

export function registerHealthRoutes(
  app: OpenAPIHono,
  health: HealthReport,
  operatorHealth: OperatorHealthReport | undefined,
  authenticate: OperatorAuthenticator,
): void {
  app.openapi(healthRoute, async (c) => c.json(PublicHealthSchema.parse(await health()), 200));
  app.openapi(operatorHealthRoute, async (c) => {
    await authenticate(c.req.valid('header').authorization);
    const report = operatorHealth ? await operatorHealth() : await health();
    c.header('Cache-Control', 'no-store');
    return c.json(report, 200);
  });
}

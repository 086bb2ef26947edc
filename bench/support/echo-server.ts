/** The baseline of bench/http.ts: a bare Hono app on @hono/node-server that echoes a JSON body. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/echo', async (c) => c.json(await c.req.json()));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
  process.stdout.write(`echo listening on http://127.0.0.1:${info.port}\n`);
});
process.on('SIGTERM', () => process.exit(0));

import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApi, readJson, type ApiFixture } from './api-harness.js';

const OpenApiDocSchema = z.object({
  openapi: z.string(),
  info: z.object({ title: z.string() }),
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z.object({
        responses: z.record(z.string(), z.object({ content: z.record(z.string(), z.unknown()).optional() })),
      }),
    ),
  ),
  components: z.object({
    schemas: z.record(z.string(), z.unknown()),
    securitySchemes: z.record(z.string(), z.unknown()),
  }),
});

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

describe('GET /api/health', () => {
  it('answers what the health report returns', async () => {
    fx = await buildApi();
    const res = await fx.app.request('/api/health');
    expect(res.status).toBe(200);
    const body = await readJson(res, z.object({ status: z.string(), tools: z.array(z.string()) }).loose());
    expect(body).toMatchObject({ status: 'ok', model: 'scripted', store: 'sqlite' });
    expect(body.tools).toEqual(
      expect.arrayContaining(['get_customer', 'lookup_order', 'process_refund', 'escalate_to_human']),
    );
  });
});

describe('GET /api/openapi.json', () => {
  it('documents every endpoint in an OpenAPI 3.1 document', async () => {
    fx = await buildApi();
    const res = await fx.app.request('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = await readJson(res, OpenApiDocSchema);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Support resolution agent');
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /api/health',
        'GET /api/operator/health',
        'POST /api/conversations',
        'POST /api/conversations/{id}/messages',
        'GET /api/conversations/{id}',
        'GET /api/conversations/{id}/events',
        'DELETE /api/conversations/{id}',
        'GET /api/refunds',
        'GET /api/tickets',
        'GET /api/operator/me',
        'GET /api/operator/queue',
        'GET /api/operator/conversations/{id}',
        'GET /api/operator/conversations/{id}/events',
        'POST /api/operator/conversations/{id}/approvals/{requestId}',
        'POST /api/operator/conversations/{id}/takeover',
        'POST /api/operator/conversations/{id}/messages',
        'POST /api/operator/conversations/{id}/handback',
        'POST /api/operator/conversations/{id}/resolve',
        'POST /api/chat',
        'GET /api/chat/stream',
        'GET /api/openapi.json',
      ].sort(),
    );
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const send = doc.paths['/api/conversations/{id}/messages']?.post;
    expect(Object.keys(send?.responses ?? {})).toEqual(expect.arrayContaining(['200', '404', '409', '413']));
    expect(Object.keys(send?.responses['200']?.content ?? {})).toEqual(['application/json', 'text/event-stream']);
  });
});

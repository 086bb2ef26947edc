/** The health bodies of the production app (the one main.ts builds), on a real embedded store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { assemble, createServerApp, type Assembled } from '../../src/main.js';
import { expectProblem } from './api-harness.js';

const ADMIN = 'operator-token-0123456789abcdef';
let assembled: Assembled | null = null;
let dir: string | null = null;
afterEach(async () => {
  await assembled?.db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assembled = null;
  dir = null;
});

async function productionApp() {
  dir = mkdtempSync(join(tmpdir(), 'support-health-'));
  assembled = await assemble(loadConfig({ SUPPORT_DATA_DIR: dir, SUPPORT_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent' }));
  return createServerApp(assembled);
}

describe('GET /api/health (public)', () => {
  it('shows only status, model, store kind and tools: no path, no usage totals', async () => {
    const app = await productionApp();
    const res = await app.request('/api/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['model', 'status', 'store', 'tools']);
    expect(body).toMatchObject({ status: 'ok', model: 'offline', store: 'sqlite' });
    expect(body.tools).toEqual(expect.arrayContaining(['get_customer', 'process_refund']));
    expect(JSON.stringify(body)).not.toContain(dir);
  });
});

describe('GET /api/operator/health', () => {
  it('shows the store location and usage totals to an operator only', async () => {
    const app = await productionApp();
    await expectProblem(await app.request('/api/operator/health'), 401);
    const res = await app.request('/api/operator/health', { headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', model: 'offline', store: 'sqlite', usage: { turns: 0, modelCalls: 0 } });
    expect(String(body.store_location)).toContain(dir);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

/**
 * Rate limits at the API, on the production app (main.ts's createServerApp) over a real store.
 * `app.request(…, env)` passes the node-server bindings, so the client address comes from a socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { clientAddress } from '../../src/api/client-address.js';
import { loadConfig } from '../../src/config.js';
import { assemble, createServerApp, type Assembled } from '../../src/main.js';
import { createDatabaseOn, pgSuiteName, probePg } from '../support/pg.js';
import { bearer, expectProblem, json } from './api-harness.js';

const probe = await probePg();
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function productionApp(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'support-rate-'));
  const assembled: Assembled = await assemble(loadConfig({ SUPPORT_DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }));
  cleanups.push(async () => {
    await assembled.db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return createServerApp(assembled);
}

/** node-server's bindings for a request from `address` (what getConnInfo reads). */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } }, outgoing: {} });

describe('a burst from one address', () => {
  it('gets 429 problem+json with Retry-After once 30 conversations (the default) were created in a minute', async () => {
    const app = await productionApp();
    const statuses: number[] = [];
    const created = await Promise.all(
      Array.from({ length: 50 }, () => app.request('/api/conversations', { method: 'POST' }, from('203.0.113.5'))),
    );
    for (const res of created) statuses.push(res.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    const refused = created.find((r) => r.status === 429)!;
    const problem = await expectProblem(refused, 429);
    expect(problem.detail).not.toMatch(/\d+\/\d+|30/); // no limit figure
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // another address is not affected
    expect((await app.request('/api/conversations', { method: 'POST' }, from('198.51.100.7'))).status).toBe(201);

    // then messages: 20 a minute per conversation (the default)
    const c = (await created.find((r) => r.status === 201)!.json()) as { conversation_id: string; token: string };
    const sent: number[] = [];
    for (let i = 0; i < 25; i++) {
      const path = `/api/conversations/${c.conversation_id}/messages`;
      sent.push((await app.request(path, json({ message: 'hello?' }, bearer(c.token)), from('203.0.113.5'))).status);
    }
    expect(sent).toEqual([...Array<number>(20).fill(200), ...Array<number>(5).fill(429)]);
  });

  it('limits messages per conversation and per address, configurably', async () => {
    const app = await productionApp({
      SUPPORT_RATE_MESSAGES: '12/60s',
      SUPPORT_RATE_CONVERSATION_MESSAGES: '5/60s',
    });
    const c = (await (await app.request('/api/conversations', { method: 'POST' }, from('203.0.113.6'))).json()) as {
      conversation_id: string;
      token: string;
    };
    const send = (address: string) =>
      app.request(
        `/api/conversations/${c.conversation_id}/messages`,
        json({ message: 'hello' }, bearer(c.token)),
        from(address),
      );
    const perConversation: number[] = [];
    for (let i = 0; i < 8; i++) perConversation.push((await send(`198.51.100.${i + 1}`)).status);
    expect(perConversation).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);

    const others: number[] = [];
    for (let i = 0; i < 15; i++) {
      const res = await app.request(
        '/api/conversations/conv_nope/messages',
        json({ message: 'x' }, bearer(`guess-${i}`)),
        from('203.0.113.99'),
      );
      others.push(res.status);
    }
    expect(others.slice(0, 12).every((s) => s === 404)).toBe(true);
    expect(others.slice(12)).toEqual([429, 429, 429]);
  });

  it('counts prototype sessions: a new session is a conversation, every message a message', async () => {
    const app = await productionApp({ SUPPORT_RATE_CONVERSATIONS: '2/60s' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await app.request('/api/chat', json({ message: 'hi' }), from('203.0.113.8'))).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const stream = await app.request('/api/chat/stream?message=hi', {}, from('203.0.113.8'));
    await expectProblem(stream, 429);
  });

  it('can be switched off', async () => {
    const app = await productionApp({ SUPPORT_RATE_CONVERSATIONS: 'off' });
    const all = await Promise.all(
      Array.from({ length: 40 }, () => app.request('/api/conversations', { method: 'POST' }, from('203.0.113.5'))),
    );
    expect(all.every((r) => r.status === 201)).toBe(true);
  });
});

describe('the client address', () => {
  const seen = async (hops: number, address: string | null, forwarded?: string) => {
    const app = new Hono().get('/', (c) => c.text(clientAddress(c, hops) ?? 'none'));
    const headers = forwarded ? { 'X-Forwarded-For': forwarded } : undefined;
    return (await app.request('/', { headers }, address === null ? undefined : from(address))).text();
  };

  it('is the socket address; X-Forwarded-For counts only behind trusted proxies (SUPPORT_TRUST_PROXY hops)', async () => {
    expect(await seen(0, '::ffff:10.0.0.1', '1.2.3.4')).toBe('10.0.0.1');
    expect(await seen(1, '10.0.0.1', '1.2.3.4, 203.0.113.77')).toBe('203.0.113.77');
    expect(await seen(2, '10.0.0.1', '1.2.3.4, 203.0.113.77, 10.0.0.2')).toBe('203.0.113.77');
    expect(await seen(1, '10.0.0.1', 'garbage')).toBe('10.0.0.1');
    expect(await seen(1, '10.0.0.1')).toBe('10.0.0.1');
    expect(await seen(0, null)).toBe('none');
  });
});

describe.skipIf(!probe.ok)(pgSuiteName('two instances on one PostgreSQL database', probe), () => {
  it('share the counters', async () => {
    if (!probe.ok) return;
    const database = await createDatabaseOn(probe.adminUrl);
    cleanups.push(() => database.cleanup());
    const env = { DATABASE_URL: database.url, SUPPORT_RATE_CONVERSATIONS: '8/60s', LOG_LEVEL: 'silent' };
    const [a, b] = await Promise.all([assemble(loadConfig(env)), assemble(loadConfig(env))]);
    cleanups.push(async () => {
      await a.db.close();
      await b.db.close();
    });
    const apps = [createServerApp(a), createServerApp(b)];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        apps[i % 2]!.request('/api/conversations', { method: 'POST' }, from('203.0.113.20')),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(8);
    expect(results.filter((r) => r.status === 429)).toHaveLength(4);
  });
});

import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startConversation } from '../api/api-harness.js';
import { buildMcpApi, call, connect, latestCode, textOf, type McpFixture } from './mcp-harness.js';

let fx: McpFixture | null = null;
let server: ServerType | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
  await fx?.close();
  fx = null;
});

async function listen(f: McpFixture): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: f.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
  });
  return `http://127.0.0.1:${port}`;
}

describe('/mcp over a real socket (@hono/node-server)', () => {
  it('refunds ORD-8842 once for an elicitation client saying yes; sessions stay bound to their token', async () => {
    fx = await buildMcpApi();
    const base = await listen(fx);
    const c = await startConversation(fx.app);
    const net = { baseUrl: base, fetch: (url: string | URL, init?: RequestInit) => fetch(url, init) };

    const anonymous = await fetch(`${base}/mcp?conversation=${c.conversation_id}`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const { client, transport, elicited } = await connect(fx, {
      conversationId: c.conversation_id,
      token: c.token,
      elicit: () => ({ action: 'accept', content: { answer: 'yes' } }),
      ...net,
    });
    await call(client, 'get_customer', { email: 'sarah@example.com' });
    const verified = await call(client, 'verify_code', { code: await latestCode(fx, 'sarah@example.com') });
    expect(verified.isError, textOf(verified)).toBe(false);
    await call(client, 'lookup_order', { order_id: 'ORD-8842' });
    const refunded = await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
    expect(refunded.structuredContent).toMatchObject({ status: 'processed', order_id: 'ORD-8842' });
    expect(elicited).toHaveLength(1);

    // another conversation's token on this session id: 404 over the wire too
    const other = await startConversation(fx.app);
    const hijack = await fetch(`${base}/mcp?conversation=${other.conversation_id}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${other.token}`,
        'Mcp-Session-Id': transport.sessionId ?? '',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
    });
    expect(hijack.status).toBe(404);
    expect(hijack.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    expect((await fx.h.runtime.listRefunds()).filter((r) => r.order_id === 'ORD-8842')).toHaveLength(1);
    await transport.terminateSession();
    await client.close();
  });
});

/** The real server's logs and metrics port (production wiring of src/observability). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openConversation, sendMessage, startServer, type ServerProcess } from './server-process.js';

let server: ServerProcess | null = null;
let dir: string | null = null;
afterEach(async () => {
  await server?.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = null;
  dir = null;
});

const jsonLines = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the server process', () => {
  it('logs one redacted JSON line per request and serves /metrics on METRICS_PORT', async () => {
    dir = mkdtempSync(join(tmpdir(), 'support-observe-'));
    server = await startServer({ SUPPORT_DATA_DIR: dir, METRICS_PORT: '0' });
    const conv = await openConversation(server.url);
    const res = await sendMessage(server.url, conv, 'Hi, my email is sarah@example.com');
    expect(res.status).toBe(200);
    await res.text();
    for (let i = 0; i < 50 && jsonLines(server.output()).filter((l) => l.msg === 'request').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20)); // the child's stdout arrives asynchronously
    }
    const requests = jsonLines(server.output()).filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.method, l.route, l.status])).toEqual([
      ['POST', '/api/conversations', 201],
      ['POST', '/api/conversations/:id/messages', 200],
    ]);
    expect(requests[1]).toMatchObject({ conversationId: conv.id, reqId: expect.any(String) });
    expect(server.output()).not.toContain('sarah@example.com');
    expect(server.output()).not.toContain(conv.token);

    const listening = jsonLines(server.output()).find((l) => l.msg === 'metrics listening');
    const metrics = await fetch(`http://127.0.0.1:${String(listening?.port)}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('support_http_requests_total{method="POST",route="/api/conversations",status="201"} 1');
    expect(text).toMatch(/^support_pending_effects \d+$/m);
  });
});

/**
 * Request bodies through Node's HTTP server (the fast path of readBodies: a body with a
 * Content-Length is read whole from the socket into Hono's cache; none at all when neither
 * Content-Length nor Transfer-Encoding is sent), next to the streamed path for chunked bodies.
 */
import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../observability/log-capture.js';
import { text } from '../support/scripted-model.js';
import { bearer, buildApi, expectProblem, type ApiFixture } from './api-harness.js';

let fx: ApiFixture | null = null;
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  await fx?.close();
  fx = null;
  close = null;
});

async function serve(f: ApiFixture): Promise<string> {
  const server = createAdaptorServer({ fetch: f.app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends raw bytes and resolves with whatever the server answered before closing. */
function rawRequest(url: string, bytes: string, endAfter = false): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(bytes);
      if (endAfter) socket.end();
    });
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString();
      if (/\r\n\r\n[\s\S]*\}$/.test(answer)) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
  });
}

describe('request bodies over a real Node server', () => {
  it('reads a JSON body with a Content-Length, and a POST without any body', async () => {
    fx = await buildApi([[text('Hello from the model.')]]);
    const url = await serve(fx);
    const created = await fetch(`${url}/api/conversations`, { method: 'POST' });
    expect(created.status).toBe(201);
    const c = (await created.json()) as { conversation_id: string; token: string };
    const res = await fetch(`${url}/api/conversations/${c.conversation_id}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(c.token) },
      body: JSON.stringify({ message: 'Hi there' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { reply: string }).reply).toContain('Hello from the model.');
  });

  it('answers 413 from the Content-Length alone, and 400 for malformed JSON', async () => {
    fx = await buildApi([], { maxBodyBytes: 64 });
    const url = await serve(fx);
    const big = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'x'.repeat(200) }),
    });
    const problem = await expectProblem(big, 413);
    expect(problem.detail).toMatch(/at most 64 bytes/);
    const broken = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"message": ',
    });
    await expectProblem(broken, 400);
  });

  it('a body cut short of its Content-Length is the client failure: no error logged, the server goes on', async () => {
    const logs = captureLogs();
    fx = await buildApi([], { logger: logs.logger });
    const url = await serve(fx);
    await rawRequest(
      url,
      'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess',
      true,
    );
    // the server is still answering
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(logs.lines().filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(fx.unexpected).toEqual([]);
  });

  it('a chunked body takes the streamed way and is limited as it arrives', async () => {
    fx = await buildApi([], { maxBodyBytes: 64 });
    const url = await serve(fx);
    const chunk = JSON.stringify({ message: 'y'.repeat(100) });
    const answer = await rawRequest(
      url,
      'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n' +
        `Connection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });
});

/**
 * Graceful shutdown and hostile bodies against a real server process (src/main.ts): a request
 * whose body is still arriving when SIGTERM comes gets its answer; broken bodies do not fill the
 * error log.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openConversation, startServer, type ServerProcess } from './server-process.js';

let servers: ServerProcess[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  servers = [];
  dirs = [];
});

async function start(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'support-shutdown-'));
  dirs.push(dir);
  const s = await startServer({ SUPPORT_DATA_DIR: dir, ...env });
  servers.push(s);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGTERM', () => {
  it('answers a request whose body was still arriving, then exits cleanly', async () => {
    const s = await start({ SUPPORT_SHUTDOWN_GRACE_MS: '10000' });
    const conv = await openConversation(s.url);
    const url = new URL(`${s.url}/api/conversations/${conv.id}/messages`);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', headers: { authorization: `Bearer ${conv.token}`, 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.write('{"message": "Hi, my email is ');
      void (async () => {
        await sleep(300);
        s.child.kill('SIGTERM'); // the body is only half sent
        await sleep(500);
        req.end('sarah@example.com"}');
      })();
    });
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ conversation_id: conv.id, reply: expect.any(String) });
    expect((await s.exited).code).toBe(0);
  });

  it('answers 503 problem+json within the grace period when the body never completes', async () => {
    const s = await start({ SUPPORT_SHUTDOWN_GRACE_MS: '1000' });
    const conv = await openConversation(s.url);
    const answer = new Promise<{ status: number; type: string | undefined; at: number }>((resolve, reject) => {
      const req = request(
        new URL(`${s.url}/api/conversations/${conv.id}/messages`),
        { method: 'POST', headers: { authorization: `Bearer ${conv.token}`, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], at: Date.now() });
        },
      );
      req.on('error', reject);
      req.write('{"message": "never fin');
    });
    await sleep(200);
    const termAt = Date.now();
    s.child.kill('SIGTERM');
    const { status, type, at } = await answer;
    expect(status).toBe(503);
    expect(type).toMatch(/^application\/problem\+json/);
    expect(at - termAt).toBeLessThan(2500);
    expect((await s.exited).code).toBe(0);
  });

  it('stops accepting new connections at once', async () => {
    const s = await start({ SUPPORT_SHUTDOWN_GRACE_MS: '3000' });
    const conv = await openConversation(s.url);
    const slow = request(new URL(`${s.url}/api/conversations/${conv.id}/messages`), {
      method: 'POST',
      headers: { authorization: `Bearer ${conv.token}`, 'content-type': 'application/json' },
    });
    slow.on('error', () => {});
    slow.write('{"message": "hel');
    await sleep(200);
    s.child.kill('SIGTERM');
    await sleep(300);
    await expect(fetch(`${s.url}/api/health`)).rejects.toThrow();
    slow.end('lo"}');
    await s.exited;
  });
});

describe('broken request bodies', () => {
  it('are answered 400 and leave at most a short line each in the log, never an error with a stack', async () => {
    const s = await start();
    const before = s.output().length;
    const port = Number(new URL(s.url).port);
    for (let i = 0; i < 50; i++) {
      const response = await new Promise<string>((resolve) => {
        let received = '';
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
              '5\r\n{"mes\r\nzz\r\n',
          );
        });
        socket.on('data', (d) => (received += d.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', () => {});
      });
      expect(response).toMatch(/^HTTP\/1\.1 400 /);
      expect(response).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    }
    await sleep(200);
    const log = s.output().slice(before);
    expect(log).not.toMatch(/unexpected|\bat .*:\d+:\d+/);
    expect(log.length).toBeLessThan(50 * 200);
  });
});

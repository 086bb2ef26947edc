/**
 * Issue 12: a real server process started with SUPPORT_INSPECT sends every committed event of a
 * conversation, as it happens, to a WebSocket inspector: the definition first, then snapshots up to
 * the final state — with no email or customer name in anything it sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { json, openConversation, sendMessage, startServer, type ServerProcess } from './server-process.js';

interface Received {
  type: string;
  sessionId?: string;
  definition?: string;
  snapshot?: { value?: unknown };
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('SUPPORT_INSPECT', () => {
  it('streams a conversation from a real server to a WebSocket inspector: definition first, snapshots to resolved', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    cleanup.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const received: Received[] = [];
    let wake: () => void = () => {};
    wss.on('connection', (socket) =>
      socket.on('message', (data) => {
        received.push(JSON.parse(data.toString()) as Received);
        wake();
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'support-inspect-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const server: ServerProcess = await startServer({
      SUPPORT_DATA_DIR: dir,
      SUPPORT_INSPECT: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    });
    cleanup.push(() => server.stop());

    const conv = await openConversation(server.url);
    await sendMessage(
      server.url,
      conv,
      'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
    );
    expect((await json(await sendMessage(server.url, conv, 'yes please'))).state).toBe('resolved');

    const mine = () => received.filter((m) => m.sessionId === conv.id);
    const resolved = () => mine().some((m) => m.type === '@xstate.snapshot' && m.snapshot?.value === 'resolved');
    for (let i = 0; i < 100 && !resolved(); i++) await new Promise<void>((r) => ((wake = r), setTimeout(r, 100)));
    const messages = mine();
    expect(messages[0]).toMatchObject({ type: '@xstate.actor' });
    expect(messages[0]?.definition).toContain('awaiting-confirmation');
    expect(messages.filter((m) => m.type === '@xstate.snapshot').at(-1)?.snapshot?.value).toBe('resolved');
    expect(JSON.stringify(messages)).not.toMatch(/sarah|Sarah Chen|@example\.com/);
  });
});

/**
 * Crash injection (SUPPORT_FAULT): the real server dies abruptly at a named point of a refund;
 * a restart on the same data finishes it exactly once and the customer is told the truth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminGet, json, openConversation, sendMessage, startServer, type ServerProcess } from './server-process.js';

const REFUND_MESSAGE = 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.';

let servers: ServerProcess[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  servers = [];
  dirs = [];
});

describe.each(['before-payment', 'after-payment', 'after-commit'] as const)('SUPPORT_FAULT=%s', (point) => {
  it('dies mid-refund; a restart on the same data finishes it exactly once, resolved, and answers truthfully', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'support-crash-'));
    dirs.push(dir);
    const crashing = await startServer({ SUPPORT_DATA_DIR: dir, SUPPORT_FAULT: point });
    servers.push(crashing);
    const conv = await openConversation(crashing.url);
    // the offer, then the customer's yes: the refund runs (and the process dies) on the yes
    const offered = await json(await sendMessage(crashing.url, conv, REFUND_MESSAGE));
    expect(offered.awaiting).toMatchObject({ kind: 'confirmation', order_id: 'ORD-8842', amount: 89.99 });
    await expect(sendMessage(crashing.url, conv, 'Yes please, go ahead.')).rejects.toThrow();
    const exit = await crashing.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(crashing.output()).toContain(`dying at ${point}`);

    const restarted = await startServer({ SUPPORT_DATA_DIR: dir });
    servers.push(restarted);
    const refunds = (await adminGet(restarted.url, '/api/refunds')).refunds.filter(
      (r: { order_id: string }) => r.order_id === 'ORD-8842',
    );
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      order_id: 'ORD-8842',
      amount: 89.99,
      idempotency_key: 'refund:ORD-8842',
      conversation_id: conv.id,
    });

    const view = await json(
      await fetch(`${restarted.url}/api/conversations/${conv.id}`, {
        headers: { authorization: `Bearer ${conv.token}` },
      }),
    );
    expect(view.status).toBe('resolved');

    const next = await json(await sendMessage(restarted.url, conv, 'Did my refund go through?'));
    expect(next.status).toBe('resolved');
    expect(next.reply).toMatch(/refund/i);
    expect(next.reply).not.toMatch(/fail|could not|couldn't|unable/i);
    expect(
      (await adminGet(restarted.url, '/api/refunds')).refunds.filter(
        (r: { order_id: string }) => r.order_id === 'ORD-8842',
      ),
    ).toHaveLength(1);
  });
});

describe('graceful shutdown', () => {
  it('stops on SIGTERM, closing the store, and starts again on the same data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'support-term-'));
    dirs.push(dir);
    const s = await startServer({ SUPPORT_DATA_DIR: dir });
    servers.push(s);
    const conv = await openConversation(s.url);
    await sendMessage(s.url, conv, 'sarah@example.com here');
    await s.stop('SIGTERM');
    expect((await s.exited).code).toBe(0);
    expect(s.output()).toContain('stopped cleanly');
    const again = await startServer({ SUPPORT_DATA_DIR: dir });
    servers.push(again);
    const view = await json(
      await fetch(`${again.url}/api/conversations/${conv.id}`, { headers: { authorization: `Bearer ${conv.token}` } }),
    );
    expect(view.state).toBe('verified');
  });
});

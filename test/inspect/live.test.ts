import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { conversationMachine } from '../../src/machines/conversation.machine.js';
import { createLiveInspector, type LiveInspector } from '../../src/inspect/live.js';
import { conversationLog } from '../../src/inspect/log.js';
import type { Fact } from '../../src/inspect/types.js';
import type { Harness } from '../support/harness.js';
import { SARAH_PII, seed1Conversation } from './fixtures.js';

interface Received {
  type: string;
  sessionId: string;
  definition?: string;
  snapshot?: { value?: unknown };
  event?: { type: string };
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A stand-in relay: a WebSocket server on 127.0.0.1, port 0, recording what it receives. */
async function testRelay() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  wss.on('connection', (socket) =>
    socket.on('message', (data) => {
      received.push(JSON.parse(data.toString()) as Received);
      waiters.splice(0).forEach((w) => w());
    }),
  );
  cleanup.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  /** Resolves once a received message satisfies `done` (or fails the test after 5 s). */
  const until = (done: (all: Received[]) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out with ${received.length} messages`)), 5_000);
      const check = () => {
        if (done(received)) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  return { url, received, until };
}

function track(inspector: LiveInspector): LiveInspector {
  cleanup.push(() => inspector.stop());
  return inspector;
}

const lastValue = (all: Received[], id: string) =>
  all.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === id).at(-1)?.snapshot?.value;

describe('createLiveInspector', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('sends the definition first, then each committed fact as event and snapshot, up to the final state', async () => {
    const seeded = await seed1Conversation();
    h = seeded.h;
    const log = (await conversationLog(h.runtime.store, seeded.id))!;
    const relay = await testRelay();
    const live = track(createLiveInspector({ url: relay.url, machine: conversationMachine }));

    // the fake feed: facts arrive in the batches the runtime commits them in (here, two by two)
    for (let i = 0; i < log.facts.length; i += 2) await live.committed(seeded.id, log.facts.slice(i, i + 2));
    await relay.until((all) => all.filter((m) => m.type === '@xstate.snapshot').length === log.facts.length);
    expect(lastValue(relay.received, seeded.id)).toBe('resolved');

    const [first, ...rest] = relay.received;
    expect(first?.type).toBe('@xstate.actor');
    expect(JSON.parse(first?.definition ?? 'null')).toMatchObject({ id: 'conversation' });
    expect(rest.filter((m) => m.type === '@xstate.actor')).toHaveLength(0);
    expect(rest.filter((m) => m.type === '@xstate.event').map((m) => m.event?.type)).toEqual(
      log.facts.map((f) => f.event.type),
    );
    expect(rest.filter((m) => m.type === '@xstate.snapshot').map((m) => m.snapshot?.value)).toEqual(
      log.facts.map((f) => f.to),
    );
    expect(JSON.stringify(relay.received)).not.toMatch(SARAH_PII);
  });

  it('reads the history of a conversation first seen mid-way, and sends nothing twice', async () => {
    const seeded = await seed1Conversation();
    h = seeded.h;
    const log = (await conversationLog(h.runtime.store, seeded.id))!;
    const relay = await testRelay();
    const store = h.runtime.store;
    const live = track(
      createLiveInspector({
        url: relay.url,
        machine: conversationMachine,
        history: (id) => conversationLog(store, id),
      }),
    );

    // the process started after most of the conversation: only its last fact is "new"
    await live.committed(seeded.id, log.facts.slice(-1));
    await live.committed(seeded.id, log.facts.slice(-1));
    await relay.until((all) => all.filter((m) => m.type === '@xstate.snapshot').length === log.facts.length);

    expect(relay.received[0]?.type).toBe('@xstate.actor');
    expect(relay.received).toHaveLength(1 + 2 * log.facts.length);
    expect(lastValue(relay.received, seeded.id)).toBe('resolved');
  });

  it('holds more than 200 messages until the relay is reachable, without dropping the definition', async () => {
    const relay = await testRelay();
    const live = track(createLiveInspector({ url: relay.url, machine: conversationMachine }));
    const facts: Fact[] = Array.from({ length: 260 }, (_, i) => ({
      seq: i + 1,
      at: new Date(Date.UTC(2026, 10, 26, 12, 0, i)).toISOString(),
      event: { type: 'turn.ended', progressed: true },
      from: 'unverified',
      to: 'unverified',
    }));
    // all sent synchronously, before the socket can have opened
    await live.committed('conv_long', facts);
    await relay.until((all) => all.length === 1 + 2 * facts.length);
    expect(relay.received[0]?.type).toBe('@xstate.actor');
  });
});

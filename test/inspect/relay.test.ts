import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startRelay, type Relay } from '../../src/inspect/relay.js';

let relay: Relay | null = null;
afterEach(async () => {
  await relay?.close();
  relay = null;
});

/** Connects like a browser tab would (with an Origin) and collects what arrives. */
function viewer(url: string, origin?: string) {
  const socket = new WebSocket(url, origin ? { origin } : {});
  const received: string[] = [];
  socket.on('message', (data) => received.push(data.toString()));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received, opened };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('the inspector relay', () => {
  it('listens on loopback, keeps every message (more than 200) for viewers that connect later', async () => {
    relay = await startRelay({ port: 0 });
    expect(relay.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(relay.inspectorUrl).toBe(`https://stately.ai/inspect?server=${relay.wsUrl}`);
    const producer = viewer(relay.wsUrl);
    await producer.opened;
    for (let i = 0; i < 250; i++) producer.socket.send(JSON.stringify({ type: '@xstate.event', sessionId: 'c', i }));
    producer.socket.send('not json');
    producer.socket.send(JSON.stringify({ type: 'something.else' }));
    await until(() => relay!.buffered() === 250);

    const late = viewer(relay.wsUrl, `http://127.0.0.1:${relay.port}`);
    await late.opened;
    await until(() => late.received.length === 250);
    relay.publish({ type: '@xstate.snapshot', sessionId: 'c' });
    await until(() => late.received.length === 251);
    producer.socket.close();
    late.socket.close();
  });

  it('refuses pages from other origins and requests for other hosts', async () => {
    relay = await startRelay({ port: 0 });
    await expect(viewer(relay.wsUrl, 'https://evil.example').opened).rejects.toThrow(/401/);
    const page = await fetch(relay.pageUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('https://stately.ai/inspect');
    // fetch may not set Host: a raw request, as a DNS-rebound page would send it
    const rebound = await new Promise<number | undefined>((resolve, reject) =>
      request(
        { host: '127.0.0.1', port: relay!.port, path: '/', headers: { Host: `evil.example:${relay!.port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      )
        .on('error', reject)
        .end(),
    );
    expect(rebound).toBe(421);
  });
});

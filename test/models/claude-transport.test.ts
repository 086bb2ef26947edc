import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StalledResponseError } from '../../src/models/claude/errors.js';
import { createModelFetch } from '../../src/models/claude/transport.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the model transport (a fetch over undici request)', () => {
  it('sends the method, every header and the body, and returns status, headers and body', async () => {
    const url = await serve((req, body, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'request-id': 'req_1' });
      res.end(
        JSON.stringify({
          method: req.method,
          auth: req.headers['x-api-key'],
          beta: req.headers['anthropic-beta'],
          body,
        }),
      );
    });
    const fetch = createModelFetch({ idleMs: 2_000 });
    const headers = new Headers({ 'x-api-key': 'k1', 'content-type': 'application/json' });
    headers.append('anthropic-beta', 'a');
    headers.append('anthropic-beta', 'b');
    const res = await fetch(`${url}/v1/messages`, { method: 'post', headers, body: '{"x":1}' });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('request-id')).toBe('req_1');
    expect(await res.json()).toEqual({ method: 'POST', auth: 'k1', beta: 'a, b', body: '{"x":1}' });
  });

  it('gives a JSON body read whole as a Response whose text, json, bytes and clone answer from it', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.write('{"text":"caf');
      res.end('é ✓"}');
    });
    const res = await createModelFetch({ idleMs: 2_000 })(url);
    expect(res).toBeInstanceOf(Response);
    expect(res.body).toBeNull();
    expect(await res.clone().text()).toBe('{"text":"café ✓"}');
    expect(await res.json()).toEqual({ text: 'café ✓' });
    expect(new TextDecoder().decode(await res.arrayBuffer())).toBe('{"text":"café ✓"}');
    const blob = await res.blob();
    expect(blob.type).toBe('application/json; charset=utf-8');
    expect(await blob.text()).toBe('{"text":"café ✓"}');
  });

  it('takes headers as a record too, and gives a 204 no body', async () => {
    const url = await serve((req, _body, res) => {
      res.writeHead(204, { 'x-seen': String(req.headers['x-one']) });
      res.end();
    });
    const res = await createModelFetch({ idleMs: 2_000 })(url, { headers: { 'x-one': '1' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-seen')).toBe('1');
    expect(res.body).toBeNull();
  });

  it('fails a JSON body that goes quiet for idleMs with StalledResponseError', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":');
    });
    const started = Date.now();
    const error = await createModelFetch({ idleMs: 150 })(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StalledResponseError);
    // a timer of its own: undici's body timeout would only fire on its next one-second tick
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('hands an event stream over as it arrives, and fails it once it goes quiet', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: ping\ndata: {}\n\n');
    });
    const res = await createModelFetch({ idleMs: 150 })(url);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('event: ping');
    await expect(reader.read()).rejects.toBeInstanceOf(StalledResponseError);
  });

  it('refuses a body larger than maxResponseBytes', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.end('x'.repeat(5000));
    });
    await expect(createModelFetch({ idleMs: 2_000, maxResponseBytes: 1000 })(url)).rejects.toThrow();
  });

  it('refuses a body it does not carry instead of handing it to another transport', async () => {
    const fetch = createModelFetch({ idleMs: 2_000 });
    await expect(fetch('http://127.0.0.1:9/', { method: 'POST', body: new URLSearchParams('a=1') })).rejects.toThrow(
      TypeError,
    );
  });

  it('stops when the signal aborts', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = createModelFetch({ idleMs: 5_000 })(url, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = (await pending.catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('AbortError');
  });
});

/**
 * The HTTP transport under the SDK: a `fetch` over undici's `request()` instead of Node's global
 * `fetch`. The SDK still builds every request, retries, parses and maps errors; this only moves
 * the bytes. Why: Node's `fetch` runs the whole WHATWG fetch algorithm (request and response
 * objects, web streams, abort signals per call): `npm run bench:sdk-transport` measures the CPU of
 * a model call through the SDK over each (README, "Measured numbers"), and a refund conversation
 * makes four calls.
 *
 * Timeouts, per attempt: undici's `connect` and `headersTimeout` bound the wait for the response
 * headers (undici times them to the second; the SDK's own timer is a backstop), and a timer here
 * the longest silence inside a body (JSON or event stream), which surfaces as
 * StalledResponseError. A JSON body is read here, whole, before the SDK sees the response (at most
 * `maxResponseBytes`; BufferedResponse); an event stream is handed over as it arrives.
 */
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { ResponseCutError, StalledResponseError } from './errors.js';

export interface ModelTransportOptions {
  /** The wait for a connection, for response headers, and the longest silence inside a body. */
  idleMs: number;
  /** A larger response body fails the call. Default 16 MiB. */
  maxResponseBytes?: number;
}

type HeaderPairs = Array<[string, string]>;

/** The request's headers as undici takes them: name, value, name, value… */
function headerList(headers: RequestInit['headers']): string[] {
  const out: string[] = [];
  if (headers instanceof Headers) headers.forEach((value, name) => out.push(name, value));
  else if (Array.isArray(headers)) for (const [name, value] of headers) out.push(String(name), String(value));
  else if (headers)
    for (const [name, value] of Object.entries(headers))
      for (const v of typeof value === 'string' ? [value] : value) out.push(name, v);
  return out;
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) pairs.push([name, v]);
    else pairs.push([name, value]);
  }
  return pairs;
}

const utf8 = new TextDecoder();
const BYTES = Symbol('bytes');
const INIT = Symbol('init');

/**
 * A body read whole: a real Response (status, headers) built without a body stream, whose
 * `text()`, `json()`, `arrayBuffer()`, `blob()` and `clone()` answer from the bytes. Node's
 * Response would wrap the bytes in a web stream only for the SDK to read them back out of it; the
 * SDK reads nothing else of a response that is not an event stream (no middleware here). Its
 * `body` is null, as for any Response built without one.
 */
export class BufferedResponse extends Response {
  readonly [BYTES]: Uint8Array;
  readonly [INIT]: { status: number; headers: HeaderPairs };
  // fields, not methods: the DOM typings declare these as properties of Response
  override text = bufferedText;
  override json = bufferedJson;
  override arrayBuffer = bufferedArrayBuffer;
  override blob = bufferedBlob;
  override clone = bufferedClone;

  constructor(bytes: Uint8Array, init: { status: number; headers: HeaderPairs }) {
    super(null, init);
    this[BYTES] = bytes;
    this[INIT] = init;
  }
}

async function bufferedText(this: BufferedResponse): Promise<string> {
  return utf8.decode(this[BYTES]);
}
async function bufferedJson(this: BufferedResponse): Promise<unknown> {
  return JSON.parse(utf8.decode(this[BYTES]));
}
async function bufferedArrayBuffer(this: BufferedResponse): Promise<ArrayBuffer> {
  return new Uint8Array(this[BYTES]).buffer;
}
async function bufferedBlob(this: BufferedResponse): Promise<Blob> {
  return new Blob([new Uint8Array(this[BYTES])], { type: this.headers.get('content-type') ?? '' });
}
function bufferedClone(this: BufferedResponse): BufferedResponse {
  return new BufferedResponse(this[BYTES], this[INIT]);
}

/**
 * The body's chunks; a silence of `idleMs` between two of them (a native timer, refreshed per
 * chunk: undici's own body timeout ticks by the second) fails the body with StalledResponseError.
 */
async function* chunksOf(body: Readable, idleMs: number): AsyncGenerator<Uint8Array> {
  const timer = setTimeout(() => body.destroy(new StalledResponseError(idleMs)), idleMs);
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      timer.refresh();
      yield chunk;
      timer.refresh();
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The whole body; a connection lost inside it is a ResponseCutError (a stall and an abort stay as they are). */
async function readAll(body: Readable, idleMs: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of chunksOf(body, idleMs)) parts.push(chunk);
  } catch (error) {
    if (error instanceof StalledResponseError || (error as Error | null)?.name === 'AbortError') throw error;
    throw new ResponseCutError(error);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * A `fetch` for the SDK. It carries what the Messages API calls send: a URL, and a body that is a
 * string (JSON) or bytes; anything else (a `Request`, a stream or form body) is refused loudly
 * rather than sent by another transport.
 */
export function createModelFetch(options: ModelTransportOptions): typeof fetch {
  const { idleMs } = options;
  const dispatcher = new Agent({
    connect: { timeout: idleMs },
    headersTimeout: idleMs,
    // the silence inside a body is timed in chunksOf; undici's is only a backstop
    bodyTimeout: idleMs + 1_000,
    maxResponseSize: options.maxResponseBytes ?? 16 * 2 ** 20,
  });
  return async (input, init = {}) => {
    const body = init.body;
    if (input instanceof Request || (body != null && typeof body !== 'string' && !(body instanceof Uint8Array)))
      throw new TypeError('the model transport carries a URL and a string or byte body only');
    const url = input instanceof URL ? input.href : input;
    const res = await request(url, {
      dispatcher,
      method: (init.method ?? 'GET').toUpperCase() as 'GET',
      headers: headerList(init.headers),
      body: body ?? null,
      signal: init.signal ?? null,
    });
    const init_ = { status: res.statusCode, headers: responseHeaders(res.headers) };
    // fetch semantics: no body for these statuses (the Response constructor refuses one)
    if (res.statusCode === 204 || res.statusCode === 205 || res.statusCode === 304) {
      res.body.resume();
      return new Response(null, init_);
    }
    const type = res.headers['content-type'];
    if ((Array.isArray(type) ? type.join(',') : (type ?? '')).includes('text/event-stream'))
      return new Response(ReadableStream.from(chunksOf(res.body, idleMs)), init_);
    return new BufferedResponse(await readAll(res.body, idleMs), init_);
  };
}

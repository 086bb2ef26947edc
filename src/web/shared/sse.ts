/**
 * Server-sent events over fetch: EventSource cannot send an Authorization header, so the pages
 * read `text/event-stream` bodies themselves (the WHATWG parsing rules: data/event/id/retry
 * fields, comments, CR/LF/CRLF line ends) and reconnect with `Last-Event-ID`.
 * No DOM types are used here, so it runs (and is tested) under Node too.
 */

export interface SseMessage {
  /** The last event id seen on this stream (it persists across messages, as in EventSource). */
  id: string | null;
  event: string;
  data: string;
}

/** Incremental parser: feed decoded text chunks, get the complete messages out. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private hasData = false;
  lastEventId: string | null = null;
  /** The server's `retry:` advice in ms, if it gave one. */
  retryMs: number | null = null;

  /** A chunk ended in CR: an LF starting the next one belongs to the same line end. */
  private skipLf = false;

  push(chunk: string): SseMessage[] {
    if (this.skipLf && chunk !== '') {
      if (chunk.startsWith('\n')) chunk = chunk.slice(1);
      this.skipLf = false;
    }
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      if (match[0] === '\r' && this.buffer === '') this.skipLf = true;
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (!this.hasData) {
        this.event = '';
        return null;
      }
      const message = { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') };
      this.data = [];
      this.event = '';
      this.hasData = false;
      return message;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.hasData = true;
    } else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return null;
  }
}

/** Every message of an event-stream body, in order, as it arrives. */
export async function* readSse(body: ReadableStream<Uint8Array>, parser = new SseParser()): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode() + '\n\n');
  } finally {
    reader.releaseLock();
  }
}

export type LiveStatus = 'connecting' | 'open' | 'retrying' | 'stopped';

export interface FollowOptions {
  url: string;
  token: string;
  /** Resume after this id (e.g. kept from before a reload). */
  lastEventId?: string | null;
  onMessage(message: SseMessage): void;
  onStatus?(status: LiveStatus): void;
  /** An HTTP error status: return how long to wait before trying again, or null to stop. */
  onRejected?(status: number): number | null | Promise<number | null>;
  signal: AbortSignal;
  fetch?: typeof fetch;
  /** First reconnection delay (doubles up to maxDelayMs). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Follows an event stream until `signal` aborts or `onRejected` says stop: reconnects after
 * network failures and closed streams with backoff, sending `Last-Event-ID`.
 */
export async function followEvents(options: FollowOptions): Promise<void> {
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  let lastEventId = options.lastEventId ?? null;
  let delay = base;
  const { signal } = options;
  while (!signal.aborted) {
    options.onStatus?.('connecting');
    const parser = new SseParser();
    parser.lastEventId = lastEventId;
    try {
      const headers: Record<string, string> = { Authorization: `Bearer ${options.token}`, Accept: 'text/event-stream' };
      if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
      const res = await doFetch(options.url, { headers, signal });
      if (!res.ok || !res.body) {
        void res.body?.cancel();
        const wait = options.onRejected ? await options.onRejected(res.status) : null;
        if (wait === null) break;
        options.onStatus?.('retrying');
        await sleep(wait, signal);
        continue;
      }
      options.onStatus?.('open');
      for await (const message of readSse(res.body, parser)) {
        lastEventId = message.id;
        delay = base;
        options.onMessage(message);
      }
    } catch {
      // Network failure or abort: retried below unless aborted.
    }
    if (signal.aborted) break;
    lastEventId = parser.lastEventId;
    options.onStatus?.('retrying');
    await sleep(parser.retryMs ?? delay + Math.random() * 250, signal);
    delay = Math.min(max, delay * 2);
  }
  options.onStatus?.('stopped');
}

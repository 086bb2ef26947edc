import { describe, expect, it } from 'vitest';
import { followEvents, readSse, SseParser, type SseMessage } from '../../src/web/shared/sse.js';

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });

describe('SSE parser', () => {
  it('parses events split across chunks at any point, with CRLF, CR and LF line ends', () => {
    const text = 'id: 1\r\nevent: message\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: comment\rid: 2\rdata: two\r\r';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const out = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(out, `cut at ${cut}`).toEqual([
        { id: '1', event: 'message', data: '{"a":\n1}' },
        { id: '2', event: 'message', data: 'two' },
      ]);
    }
  });

  it('takes CR, LF, LF arriving one chunk each as a line end and a blank line', () => {
    const p = new SseParser();
    expect([...p.push('data: x\r'), ...p.push('\n'), ...p.push('\n')]).toEqual([
      { id: null, event: 'message', data: 'x' },
    ]);
  });

  it('keeps the last event id across messages and reads retry advice', () => {
    const p = new SseParser();
    const out = p.push('id: 7\nevent: state\ndata: x\n\nretry: 1500\ndata: y\n\n');
    expect(out.map((m) => m.id)).toEqual(['7', '7']);
    expect(out[1]?.event).toBe('message');
    expect(p.retryMs).toBe(1500);
  });

  it('reads a response body to the end, flushing a last message without a blank line', async () => {
    const got: SseMessage[] = [];
    for await (const m of readSse(streamOf('event: text\ndata: {"t":"he', 'llo"}\n\nevent: done\ndata: {}')))
      got.push(m);
    expect(got).toEqual([
      { id: null, event: 'text', data: '{"t":"hello"}' },
      { id: null, event: 'done', data: '{}' },
    ]);
  });
});

describe('followEvents', () => {
  it('reconnects after the stream ends, sending the bearer token and Last-Event-ID', async () => {
    const requests: Array<Record<string, string>> = [];
    const controller = new AbortController();
    const got: string[] = [];
    const fakeFetch = async (_url: string | URL | Request, init?: RequestInit) => {
      requests.push({ ...(init?.headers as Record<string, string>) });
      if (requests.length === 1) return new Response(streamOf('id: 4\nevent: message\ndata: a\n\n'), { status: 200 });
      if (requests.length === 2) return new Response('', { status: 503 });
      controller.abort();
      return new Response(streamOf(''), { status: 200 });
    };
    await followEvents({
      url: '/events',
      token: 'tok',
      lastEventId: '3',
      signal: controller.signal,
      fetch: fakeFetch as typeof fetch,
      baseDelayMs: 1,
      onMessage: (m) => got.push(`${m.id}:${m.data}`),
      onRejected: (status) => (status === 503 ? 1 : null),
    });
    expect(got).toEqual(['4:a']);
    expect(requests[0]).toMatchObject({
      Authorization: 'Bearer tok',
      'Last-Event-ID': '3',
      Accept: 'text/event-stream',
    });
    expect(requests[1]?.['Last-Event-ID']).toBe('4');
    expect(requests[2]?.['Last-Event-ID']).toBe('4');
  });

  it('stops when the server refuses and onRejected says so', async () => {
    let calls = 0;
    const statuses: string[] = [];
    await followEvents({
      url: '/events',
      token: 'tok',
      signal: new AbortController().signal,
      fetch: (async () => {
        calls++;
        return new Response('', { status: 401 });
      }) as typeof fetch,
      onMessage: () => {},
      onStatus: (s) => statuses.push(s),
      onRejected: () => null,
    });
    expect(calls).toBe(1);
    expect(statuses.at(-1)).toBe('stopped');
  });
});

/**
 * The socket side of serving the app with @hono/node-server: malformed HTTP answered as
 * problem+json, and a graceful shutdown that answers every request already accepted (its body
 * still arriving, or its turn in flight) within the grace period.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Http2ServerResponse } from 'node:http2';
import type { Http2Bindings, HttpBindings } from '@hono/node-server';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

type Fetch = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;
type Outgoing = ServerResponse | Http2ServerResponse;

const rawProblem = (status: number, title: string, detail: string) => {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  const head = [`HTTP/1.1 ${status} ${title}`, `Content-Type: ${PROBLEM_CONTENT_TYPE}`];
  head.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Cache-Control: no-store', 'Connection: close');
  return `${head.join('\r\n')}\r\n\r\n${body}`;
};

/**
 * Answers what Node's HTTP parser refuses (a broken chunked body, oversized headers) with a
 * problem+json instead of Node's bare status line; `onClientError` gets one short reason (a debug
 * line, never an error with a stack: anyone can send these).
 */
export function answerClientErrors(server: Server, onClientError: (code: string) => void = () => {}): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code ?? 'HPE_UNKNOWN';
    onClientError(code);
    // a response already on its way on this socket must not be interleaved with ours (Node's own check)
    const current = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    if (code === 'HPE_HEADER_OVERFLOW')
      socket.end(rawProblem(431, 'Request Header Fields Too Large', 'the headers are too large'));
    else if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
      socket.end(rawProblem(408, 'Request Timeout', 'the request took too long'));
    else socket.end(rawProblem(400, 'Bad Request', 'the request is not valid HTTP'));
  });
}

export interface RequestTracker {
  /** Wraps the app's fetch: counts accepted requests until their response is finished. */
  fetch(appFetch: Fetch): Fetch;
  /** Refuses requests from now on (503, `Connection: close`); those already accepted continue. */
  stopAccepting(): void;
  /** Resolves true once every accepted request was answered, false after `timeoutMs`. */
  settled(timeoutMs: number): Promise<boolean>;
  /**
   * Ends what is still open: a 503 problem where no response began, the end of a stream otherwise;
   * resolves once those responses are flushed (at most `flushMs`).
   */
  endRemaining(flushMs?: number): Promise<void>;
  readonly open: number;
}

const SHUTTING_DOWN = JSON.stringify({
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  detail: 'the service is restarting; please try again shortly',
});

export function createRequestTracker(): RequestTracker {
  const open = new Set<Outgoing>();
  let accepting = true;
  let idle: (() => void) | null = null;
  const release = (res: Outgoing) => {
    open.delete(res);
    if (open.size === 0) idle?.();
  };
  return {
    fetch: (appFetch) => (request, env) => {
      if (!accepting) {
        return new Response(SHUTTING_DOWN, {
          status: 503,
          headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Retry-After': '5', Connection: 'close' },
        });
      }
      const res = env.outgoing;
      open.add(res);
      res.once('close', () => release(res));
      return appFetch(request, env);
    },
    stopAccepting() {
      accepting = false;
      for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
    },
    settled(timeoutMs) {
      if (open.size === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
        idle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
    async endRemaining(flushMs = 1000) {
      for (const res of open) {
        if (!res.headersSent) {
          res.writeHead(503, { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Retry-After': '5', Connection: 'close' });
          res.end(SHUTTING_DOWN);
        } else res.end();
      }
      await this.settled(flushMs);
    },
    get open() {
      return open.size;
    },
  };
}

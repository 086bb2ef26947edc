/**
 * Request bodies that break off while being read (a malformed chunked encoding, a client that
 * goes away mid-body) are the client's failure, not ours: they answer 400 and are not logged as
 * unexpected errors, so nobody can fill the error log by sending broken bodies.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** Reading the request body failed (the cause is kept for a debug line, never shown). */
export class BodyReadError extends Error {
  constructor(readonly reason: unknown) {
    super('the request body could not be read');
    this.name = 'BodyReadError';
  }
}

/** A short, stack-free description of why a body read failed (for one debug log line). */
export function bodyReadReason(error: BodyReadError): string {
  const cause = error.reason;
  if (cause instanceof Error)
    return `${(cause as { code?: unknown }).code ?? cause.name}: ${cause.message}`.slice(0, 120);
  return String(cause).slice(0, 120);
}

/**
 * Wraps the request body so that a failure to read it surfaces as a BodyReadError, whoever reads
 * it (the body-limit middleware, the JSON validator).
 */
export function guardBodyReads(): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const reader = raw.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(new BodyReadError(error));
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    c.req.raw = new Request(raw, { body, duplex: 'half' });
    return next();
  };
}

/**
 * Reads request bodies at most `maxBytes` long, failures as BodyReadError, and too long as
 * `tooLarge()`. A body with a Content-Length (what every client here sends) is checked by its
 * header and read whole from the socket into Hono's body cache, where the JSON validator finds
 * it: no web stream and no second Request object per request (a tenth of a turn's CPU). A
 * chunked body is counted as it streams (guardBodyReads + bodyLimit). `streamed`: paths whose
 * handlers read the raw request themselves (the MCP transport) always take the streaming way.
 */
export function readBodies(options: {
  maxBytes: number;
  tooLarge: () => never;
  streamed?: (path: string) => boolean;
}): MiddlewareHandler {
  const guard = guardBodyReads();
  const limit = bodyLimit({ maxSize: options.maxBytes, onError: () => options.tooLarge() });
  const streaming = (c: Context, next: () => Promise<void>) => guard(c, () => limit(c, next) as Promise<void>);
  return async (c, next) => {
    const { method, headers } = c.req.raw;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = headers.get('content-length');
    const chunked = headers.has('transfer-encoding');
    // from Node's HTTP/1.1 server, neither Content-Length nor Transfer-Encoding means no body at
    // all (asking the request for its body stream would build one); elsewhere (app.request in
    // tests, another runtime) the Request itself says
    const fromNode = (c.env as { incoming?: unknown } | undefined)?.incoming !== undefined;
    if (length === null && !chunked && fromNode) return next();
    if (length === null || chunked || options.streamed?.(c.req.path)) return streaming(c, next);
    const bytes = Number(length);
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new BodyReadError(new Error('bad Content-Length'));
    if (bytes > options.maxBytes) options.tooLarge();
    if (bytes > 0) {
      try {
        await c.req.text(); // cached: c.req.json() parses this text
      } catch (error) {
        throw new BodyReadError(error);
      }
    }
    return next();
  };
}

/**
 * Request bodies that break off while being read (a malformed chunked encoding, a client that
 * goes away mid-body) are the client's failure, not ours: they answer 400 and are not logged as
 * unexpected errors, so nobody can fill the error log by sending broken bodies.
 */
import type { MiddlewareHandler } from 'hono';

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

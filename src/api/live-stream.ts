/**
 * A conversation's live events as server-sent events, resumable with `Last-Event-ID`: what is
 * committed after the client's position is read from the store (so commits of other processes
 * arrive too), woken at once by this process's commits and otherwise polled.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { LiveEvent } from '../runtime/live.js';
import { toProblem } from './problem.js';

export interface LiveStreamSource {
  /** Events after this position (throws when the reader may no longer read). */
  read(afterN: number): Promise<LiveEvent[]>;
  /** Calls `wake` when this process commits to the conversation; returns the unsubscribe. */
  subscribe(wake: () => void): () => void;
}

export interface LiveStreamOptions {
  /** How often to look for commits made by other processes. */
  pollMs: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
}

/** The client's resume point: `Last-Event-ID` (or `?last_event_id=` for clients that cannot send headers). */
export function lastEventId(header: string | undefined, query: string | undefined): number {
  const raw = header ?? query ?? '0';
  const n = Number.parseInt(raw, 10);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export function streamLive(c: Context, from: number, source: LiveStreamSource, options: LiveStreamOptions): Response {
  c.header('Cache-Control', 'no-store');
  return streamSSE(c, async (stream) => {
    let after = from;
    let closed = false;
    let woken = false;
    let wake: () => void = () => {};
    const unsubscribe = source.subscribe(() => {
      woken = true;
      wake();
    });
    stream.onAbort(() => {
      closed = true;
      wake();
    });
    let idle = 0;
    try {
      while (!closed) {
        const events = await source.read(after);
        for (const e of events) {
          await stream.writeSSE({ id: String(e.id), event: e.event, data: JSON.stringify(e.data) });
          after = e.id;
        }
        if (events.length) idle = 0;
        if (!woken) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, options.pollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          idle += options.pollMs;
        }
        woken = false;
        if (!closed && options.heartbeatMs && idle >= options.heartbeatMs) {
          idle = 0;
          await stream.write(': keep-alive\n\n');
        }
      }
    } catch (error) {
      if (!closed)
        await stream.writeSSE({ event: 'error', data: JSON.stringify(toProblem(error).body) }).catch(() => {});
    } finally {
      unsubscribe();
    }
  });
}

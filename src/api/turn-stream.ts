/**
 * Streaming a turn as server-sent events. The stream opens once the turn holds the conversation
 * (or has produced an event): errors the runtime raises before that (unknown conversation, busy,
 * shutting down) still answer with a status code and problem+json, not a 200 stream with an error.
 */
import type { Context } from 'hono';
import { streamSSE, type SSEMessage } from 'hono/streaming';
import type { TurnEvent, TurnResult } from '../runtime/types.js';
import { toProblem } from './problem.js';

export interface TurnRunOptions {
  onEvent: (e: TurnEvent) => void;
  stream: true;
  signal: AbortSignal;
  onStarted: () => void;
}

export interface StartedTurn {
  result: Promise<TurnResult>;
  /** Delivers the events buffered so far, then every later one, synchronously. */
  subscribe(listener: (e: TurnEvent) => void): void;
  /** Tells the turn its client is gone (the runtime ends it gracefully; it may still finish). */
  abort(): void;
}

/**
 * Starts a turn and resolves when it has emitted its first event or ended. Rejects, with the
 * runtime's typed error, when the turn fails before emitting anything.
 */
export async function startTurn(
  run: (options: TurnRunOptions) => Promise<TurnResult>,
  clientSignal: AbortSignal,
): Promise<StartedTurn> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  clientSignal.addEventListener('abort', abort, { once: true });
  const buffered: TurnEvent[] = [];
  let listener: ((e: TurnEvent) => void) | null = null;
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const result = run({
    stream: true,
    signal: controller.signal,
    onStarted: () => markStarted(),
    onEvent: (e) => {
      if (listener) listener(e);
      else {
        buffered.push(e);
        markStarted();
      }
    },
  });
  // Promise.race subscribes to `result`, so a later rejection is never "unhandled".
  const settled = result.finally(() => clientSignal.removeEventListener('abort', abort));
  settled.catch(() => {});
  await Promise.race([started, settled]);
  return {
    result: settled,
    subscribe(next) {
      for (const e of buffered.splice(0)) next(e);
      listener = next;
    },
    abort,
  };
}

export interface SseFormat {
  /** The message for one turn event, or null to skip it. */
  event(e: TurnEvent): SSEMessage | null;
  /** What ends a successful stream. */
  done(result: TurnResult): SSEMessage[];
  /** What ends a failed stream; must carry nothing internal. */
  failed(error: unknown): SSEMessage[];
}

/** Writes a started turn as an SSE response. Never throws into Hono: failures end the stream politely. */
export function streamTurn(
  c: Context,
  turn: StartedTurn,
  format: SseFormat,
  onUnexpected: (error: unknown) => void,
): Response {
  return streamSSE(c, async (stream) => {
    stream.onAbort(turn.abort);
    let chain: Promise<unknown> = Promise.resolve();
    const send = (message: SSEMessage) => {
      // Writes to a closed client are swallowed by Hono; ordering is kept by the chain.
      chain = chain.then(() => stream.writeSSE(message)).catch(() => {});
    };
    turn.subscribe((e) => {
      const message = format.event(e);
      if (message) send(message);
    });
    try {
      const result = await turn.result;
      for (const m of format.done(result)) send(m);
    } catch (error) {
      if (toProblem(error).unexpected) onUnexpected(error);
      for (const m of format.failed(error)) send(m);
    }
    await chain;
  });
}

/** The q-value of each media range of an Accept header (RFC 9110 §12.5.1); malformed q counts as 1. */
function acceptRanges(accept: string): Array<{ range: string; q: number }> {
  return accept.split(',').map((part) => {
    const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => /^q\s*=/.test(p))?.replace(/^q\s*=\s*/, '');
    const value = q === undefined ? 1 : Number(q);
    return { range, q: Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 1 };
  });
}

/**
 * True when the client asked for server-sent events: `text/event-stream` named with q > 0 and not
 * below what it gives JSON (named, or through `application/*` or `*\/*`). A tie streams.
 */
export function wantsEventStream(accept: string | undefined): boolean {
  const ranges = acceptRanges(accept ?? '');
  const q = (names: string[]) => Math.max(-1, ...ranges.filter((r) => names.includes(r.range)).map((r) => r.q));
  const stream = q(['text/event-stream']);
  const named = q(['application/json']);
  const json = named >= 0 ? named : q(['application/*', '*/*']);
  return stream > 0 && stream >= json;
}

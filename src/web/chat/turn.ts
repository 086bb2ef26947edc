/** Reading one streamed turn (POST …/messages with Accept: text/event-stream). */
import type { StateEvent, TurnResult } from '../shared/contract.js';
import { asState, parseJson } from '../shared/guards.js';
import { readSse } from '../shared/sse.js';

/** Passes text deltas and state changes on as they come; resolves with `done`'s body, or null if the stream broke. */
export async function readTurn(
  body: ReadableStream<Uint8Array>,
  on: { onText(delta: string): void; onState(state: StateEvent): void },
): Promise<TurnResult | null> {
  for await (const m of readSse(body)) {
    const data = parseJson(m.data);
    if (m.event === 'text' && typeof data === 'object' && data !== null && 'text' in data) {
      if (typeof data.text === 'string') on.onText(data.text);
    } else if (m.event === 'state') {
      const st = asState(data);
      if (st) on.onState(st);
    } else if (m.event === 'done') return data as TurnResult;
    else if (m.event === 'error') return null;
  }
  return null;
}

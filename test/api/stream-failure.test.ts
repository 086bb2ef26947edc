import { afterEach, describe, expect, it } from 'vitest';
import type { FaultPoint } from '../../src/effects/types.js';
import { text, toolUse } from '../support/scripted-model.js';
import { bearer, buildApi, json, parseSse, startConversation, type ApiFixture } from './api-harness.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

const refundScript = () => [
  [toolUse('get_customer', { email: 'sarah@example.com' })],
  [toolUse('lookup_order', { order_id: 'ORD-8842' })],
  [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
  [text('Done.')],
];

/** The runtime throws after the stream has started (an internal failure after the refund commit). */
const failAfterCommit = {
  runtime: {
    fault: (point: FaultPoint) => {
      if (point === 'after-commit') throw new Error('SQLITE_IOERR: disk I/O error at /srv/data/support.db');
    },
  },
};

describe('a failure after the stream started', () => {
  it('ends the conversation stream with an error event carrying a safe problem body (I7)', async () => {
    fx = await buildApi(refundScript(), {}, failAfterCommit);
    const c = await startConversation(fx.app);
    const res = await fx.app.request(
      `/api/conversations/${c.conversation_id}/messages`,
      json(
        { message: 'sarah@example.com, ORD-8842 arrived broken' },
        { ...bearer(c.token), Accept: 'text/event-stream' },
      ),
    );
    expect(res.status).toBe(200);
    const messages = parseSse(await res.text());
    expect(messages.map((m) => m.event)).toContain('tool_call');
    const last = messages.at(-1);
    expect(last?.event).toBe('error');
    expect(JSON.parse(last?.data ?? '{}')).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'something went wrong on our side; please try again',
    });
    expect(messages.some((m) => /SQLITE|support\.db/.test(m.data))).toBe(false);
    expect(fx.unexpected).toHaveLength(1);
  });

  it('ends the prototype stream with an error event, then done', async () => {
    fx = await buildApi(refundScript(), {}, failAfterCommit);
    const res = await fx.app.request(
      `/api/chat/stream?session_id=hL2v6y0Qm1kq3y8Zr5bWcT9xJd4sNfAe&message=${encodeURIComponent('sarah@example.com, ORD-8842 arrived broken')}`,
    );
    const events = parseSse(await res.text()).map((m) => JSON.parse(m.data));
    expect(events.slice(-2)).toEqual([
      { event_type: 'error', error: 'something went wrong on our side; please try again' },
      { event_type: 'done' },
    ]);
  });
});

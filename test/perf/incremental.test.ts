/**
 * What is kept between turns gives exactly what a rebuild from scratch gives: the model's history,
 * the leak context and the offline planner's reading of the history, built step by step as a
 * conversation grows (and with uncommitted entries at the end), against the same built from fresh
 * copies (which share no object, so nothing kept applies). And the log a turn starts from includes
 * what another runtime committed on the same database meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/models/offline/conversation.js';
import { flatten } from '../../src/models/offline/history.js';
import { createOfflineModel } from '../../src/models/offline.js';
import type { ModelMessage } from '../../src/models/types.js';
import { DEFAULT_POLICY } from '../../src/policy.js';
import { createLogCache, type LogEntry } from '../../src/runtime/held.js';
import { buildHistory } from '../../src/runtime/history.js';
import { leakContextFor } from '../../src/runtime/leak-context.js';
import { initialSnapshot } from '../../src/runtime/machine-steps.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { createSqliteDriver } from '../../src/store/sqlite-driver.js';
import { createSqlStore } from '../../src/store/sql-store.js';
import type { StoredEvent } from '../../src/store/types.js';
import { createEmbeddedBackends } from '../../src/backends/embedded/embedded-backends.js';
import { createHarness, FIXED_NOW, noSleep } from '../support/harness.js';
import { productParts } from '../support/runtime-parts.js';
import { join } from 'node:path';

const MESSAGES = [
  'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
  'Yes, please go ahead.',
  'What is the status of order ORD-8842? Also my friend bob@example.org says hi.',
  'And order ORD-9901?',
  'thanks',
  'Could you check ORD-8842 once more?',
];

const fresh = <T>(v: T): T => structuredClone(v);

async function conversationLog(): Promise<StoredEvent[]> {
  const h = await createHarness(createOfflineModel(), { runtime: { confirmRefunds: true } });
  try {
    const c = await h.runtime.createConversation();
    for (const m of MESSAGES) await h.runtime.sendMessage(c.conversation_id, c.token, m);
    return await h.runtime.store.listEvents(c.conversation_id);
  } finally {
    await h.close();
  }
}

/** The log as a turn holds it after k entries: committed ones, then the rest staged (not numbered yet). */
function heldAt(log: StoredEvent[], committed: number, staged: number): LogEntry[] {
  return [...log.slice(0, committed), ...log.slice(committed, committed + staged).map((e) => ({ ...e, n: null }))];
}

describe('incremental history, leak context and planner reading', () => {
  it('build the same as from scratch at every length of a conversation, with or without staged entries', async () => {
    const log = await conversationLog();
    expect(log.length).toBeGreaterThan(30);
    const context = {
      snapshot: initialSnapshot({ conversationId: 'c', refundLimitCents: DEFAULT_POLICY.refundLimitCents }),
    };
    let histories = 0;
    for (let k = 1; k <= log.length; k++) {
      for (const staged of [0, 1, 3]) {
        if (k + staged > log.length) continue;
        const held = heldAt(log, k, staged);
        const history = buildHistory(held);
        expect(history).toEqual(buildHistory(fresh(held)));
        expect(leakContextFor({ ...context, log: held })).toEqual(leakContextFor({ ...context, log: fresh(held) }));
        // the planner reads the same histories the model gets, sharing their messages from call to call
        expect(flatten(history)).toEqual(flatten(fresh(history)));
        expect(analyse(history)).toEqual(analyse(fresh(history)));
        histories++;
      }
    }
    expect(histories).toBeGreaterThan(90);
  });

  it('never lets a later build change the messages an earlier one returned', async () => {
    const log = await conversationLog();
    const early = buildHistory(log.slice(0, 12));
    const copy = fresh(early);
    buildHistory(log);
    buildHistory(heldAt(log, 20, 3));
    expect(early).toEqual(copy);
    expect(Object.isFrozen(early[early.length - 1])).toBe(true);
  });

  it('reads a history whose last message was rebuilt with more blocks as a rebuild does', () => {
    const first: ModelMessage = {
      role: 'user',
      content: [{ type: 'text', text: 'Hi, my email is marcus@example.com' }],
    };
    const asked: ModelMessage = {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 't1', name: 'get_customer', input: { email: 'marcus@example.com' } }],
    };
    const results: ModelMessage = {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 't1', content: '{"found":true}' }],
    };
    const merged: ModelMessage = {
      role: 'user',
      content: [...(results.content as []), { type: 'text', text: 'order ORD-9901 please' }],
    };
    expect(flatten([first, asked, results])).toEqual(flatten(fresh([first, asked, results])));
    expect(flatten([first, asked, merged])).toEqual(flatten(fresh([first, asked, merged])));
    expect(analyse([first, asked, merged])).toEqual(analyse(fresh([first, asked, merged])));
  });
});

describe('the log cache', () => {
  it('drops the least recently used logs beyond its bound, and an entry that is out of line', () => {
    const cache = createLogCache(100);
    const log = (id: string, n: number): StoredEvent[] =>
      Array.from({ length: n }, (_, i) => ({
        seq: i,
        n: i + 1,
        conversationId: id,
        turn: 0,
        kind: 'note',
        payload: {},
        createdAt: '',
      }));
    cache.set('a', log('a', 20));
    cache.set('b', log('b', 20));
    cache.set('c', log('c', 20));
    cache.get('a');
    cache.set('d', log('d', 20));
    cache.set('e', log('e', 22)); // 102 > 100: b (least recently used) goes
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.length).toBe(20);
    cache.append('a', log('a', 22).slice(20));
    expect(cache.get('a')?.length).toBe(22);
    cache.append('a', log('a', 25).slice(23)); // a gap: dropped, read again next time
    expect(cache.get('a')).toBeUndefined();
    cache.set('huge', log('huge', 26)); // more than a quarter of the bound: never kept
    expect(cache.get('huge')).toBeUndefined();
  });

  it('gives a turn what another runtime on the same database committed since this one last read', async () => {
    const h = await createHarness(createOfflineModel(), { runtime: { confirmRefunds: true } });
    const db2 = createSqliteDriver(join(h.dir, 'support.db'));
    try {
      const other = createRuntime({
        store: createSqlStore(db2, () => FIXED_NOW),
        backends: createEmbeddedBackends(db2, () => FIXED_NOW),
        model: createOfflineModel(),
        policy: DEFAULT_POLICY,
        clock: () => FIXED_NOW,
        retry: { retries: 2, baseDelayMs: 1, sleep: noSleep },
        ...productParts(),
        confirmRefunds: true,
      });
      const c = await h.runtime.createConversation();
      await h.runtime.sendMessage(c.conversation_id, c.token, 'Hi, my email is marcus@example.com.');
      await other.sendMessage(c.conversation_id, c.token, 'What is the status of order ORD-9901?');
      const third = await h.runtime.sendMessage(c.conversation_id, c.token, 'thanks');
      expect(third.state).toBe('order-checked');
      const view = await h.runtime.getConversation(c.conversation_id, c.token);
      const fromOther = await other.getConversation(c.conversation_id, c.token);
      expect(view.messages).toEqual(fromOther.messages);
      expect(view.messages.filter((m) => m.role === 'customer').map((m) => m.text)).toEqual([
        'Hi, my email is marcus@example.com.',
        'What is the status of order ORD-9901?',
        'thanks',
      ]);
    } finally {
      await db2.close();
      await h.close();
    }
  });
});

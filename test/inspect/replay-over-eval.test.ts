/**
 * Issue 12: `npm run replay` finds 0 differences over the conversations of a full `npm run eval`:
 * every scenario's store is replayed through the current machine before it is thrown away.
 */
import { describe, expect, it } from 'vitest';
import { inProcessTarget } from '../../evals/target.js';
import { runSuite } from '../../evals/runner.js';
import { loadScenarios } from '../../evals/schema.js';
import { replayStore } from '../../src/inspect/replay-check.js';
import { conversationMachine } from '../../src/machines/conversation.machine.js';
import { createOfflineModel } from '../../src/models/offline.js';
import { restore } from '../../src/runtime/machine-steps.js';

describe('the replay regression check', () => {
  it('finds 0 differences over the conversations of the whole evaluation', async () => {
    let conversations = 0;
    const differences: string[] = [];
    const target = inProcessTarget({
      model: createOfflineModel(),
      stream: false,
      beforeClose: async (store) => {
        for (const r of await replayStore(store, conversationMachine, restore)) {
          conversations++;
          if (!r.equal) differences.push(`${r.conversationId}: ${JSON.stringify(r)}`.slice(0, 300));
        }
      },
    });
    const result = await runSuite({ target, scenarios: loadScenarios() });
    expect(result.runs.length).toBeGreaterThan(180);
    expect(conversations).toBeGreaterThan(180);
    expect(differences).toEqual([]);
  }, 180_000);
});

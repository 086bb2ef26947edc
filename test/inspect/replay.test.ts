import { afterEach, describe, expect, it } from 'vitest';
import { conversationMachine } from '../../src/machines/conversation.machine.js';
import { conversationLog } from '../../src/inspect/log.js';
import { replayLog } from '../../src/inspect/replay.js';
import { formatReplay, replayStore } from '../../src/inspect/replay-check.js';
import { restore } from '../../src/runtime/machine-steps.js';
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, toolUse } from '../support/scripted-model.js';
import { SEED_1_MESSAGE, seed1Script } from './fixtures.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** Three conversations through the real runtime: a refund, an escalation by trigger word, one left unverified. */
async function threeConversations(): Promise<{ h: Harness; ids: string[] }> {
  const script = [
    ...seed1Script(),
    [text('I am sorry to hear that.')],
    [toolUse('get_customer', { email: 'nobody@example.com' })],
    [text('I could not find that account.')],
  ];
  const harness = await createHarness(scriptedModel(script));
  const ids: string[] = [];
  const messages = [SEED_1_MESSAGE, 'This is fraud, I will call my lawyer.', 'my email is nobody@example.com'];
  for (const message of messages) {
    const { conversation_id: id, token } = await harness.runtime.createConversation();
    await harness.runtime.sendMessage(id, token, message);
    ids.push(id);
  }
  return { h: harness, ids };
}

describe('replay', () => {
  it('finds no difference on conversations the runtime produced', async () => {
    const made = await threeConversations();
    h = made.h;
    // the harness clock is fixed, so creation times tie: compare as sets
    expect((await h.runtime.store.listConversationIds()).sort()).toEqual([...made.ids].sort());
    const states = [];
    for (const id of made.ids) {
      const log = (await conversationLog(h.runtime.store, id))!;
      const result = replayLog(conversationMachine, log);
      expect(result).toMatchObject({ equal: true, divergedAt: null, refused: [] });
      states.push(result.state);
    }
    expect(states).toEqual(['resolved', 'escalated', 'unverified']);

    const reports = await replayStore(h.runtime.store, conversationMachine, restore);
    expect(reports.map((r) => [r.equal, r.contextEqual, r.migrationError])).toEqual([
      [true, true, null],
      [true, true, null],
      [true, true, null],
    ]);
    expect(formatReplay(reports)).toMatchObject({
      ok: true,
      lines: [expect.stringMatching(/^3 conversations replayed .*: 0 differ$/)],
    });
  });

  it('finds the difference in a tampered log, and where it starts', async () => {
    const made = await threeConversations();
    h = made.h;
    const log = (await conversationLog(h.runtime.store, made.ids[0]!))!;
    // the refund "succeeded" for another order: the machine refuses it and stays pending
    const i = log.facts.findIndex((f) => f.event.type === 'refund.succeeded');
    const tampered = {
      ...log,
      facts: log.facts.map((f, j) => (j === i ? { ...f, event: { ...f.event, orderId: 'ORD-0000' } } : f)),
    };
    const result = replayLog(conversationMachine, tampered);
    expect(result.equal).toBe(false);
    expect(result.state).toBe('refund-pending');
    expect(result.divergedAt).toMatchObject({
      seq: log.facts[i]!.seq,
      event: 'refund.succeeded',
      expected: 'resolved',
    });
    expect(result.refused).toContain(log.facts[i]!.seq);
  });

  it('reports a stored state the facts do not lead to, and fails the check', async () => {
    const made = await threeConversations();
    h = made.h;
    const reports = await replayStore(h.runtime.store, conversationMachine, (persisted, version) => {
      const snapshot = restore(persisted, version);
      return persisted.context.conversationId === made.ids[2]
        ? { value: 'verified', context: snapshot.context }
        : snapshot;
    });
    const { lines, ok } = formatReplay(reports);
    expect(ok).toBe(false);
    expect(lines[0]).toBe(`DIFFERS ${made.ids[2]}: stored verified, replayed unverified`);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, toolUse } from '../support/scripted-model.js';
import { refundsOf } from '../support/assertions.js';

let h: Harness;
afterEach(async () => h?.close());

describe('durability across a restart', () => {
  it('continues a conversation after the process restarts, with state, history and refunds intact', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'sarah@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
        [text('Your blender order is refundable.')],
      ]),
    );
    const c = await h.runtime.createConversation();
    await h.runtime.sendMessage(c.conversation_id, c.token, 'sarah@example.com, ORD-8842 arrived broken');

    const afterRestart = scriptedModel([
      [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
      [text('Refunded.')],
      [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
      [text('Already done.')],
    ]);
    h = await h.restart(afterRestart);
    const r = await h.runtime.sendMessage(c.conversation_id, c.token, 'please refund it');
    expect(r.state).toBe('resolved');
    // the model saw the whole earlier history, rebuilt from the event log
    const firstRequest = afterRestart.requests[0]!;
    expect(JSON.stringify(firstRequest.messages)).toContain('ORD-8842 arrived broken');
    expect(JSON.stringify(firstRequest.messages)).toContain('Your blender order is refundable.');
    expect(firstRequest.facts.customer?.email).toBe('sarah@example.com');

    h = await h.restart(afterRestart);
    await h.runtime.sendMessage(c.conversation_id, c.token, 'refund again?');
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
    const view = await h.runtime.getConversation(c.conversation_id, c.token);
    expect(view.status).toBe('resolved');
    expect(view.messages.filter((m) => m.role === 'customer')).toHaveLength(3);
    expect(view.refunds.map((x) => x.order_id)).toEqual(['ORD-8842']);
    expect(view.proposals.map((p) => p.decision)).toEqual(['accepted', 'accepted', 'accepted', 'rejected']);
  });

  it('finishes a refund committed before a crash (pending effect) at start-up', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'sarah@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
        [text('ok')],
      ]),
      {
        runtime: {
          fault: (point) => {
            if (point === 'before-payment') throw new Error('simulated crash');
          },
        },
      },
    );
    const c = await h.runtime.createConversation();
    await expect(
      h.runtime.sendMessage(c.conversation_id, c.token, 'sarah@example.com ORD-8842 broken'),
    ).rejects.toThrow('simulated crash');
    expect(await refundsOf(h)).toEqual([]);
    h = await h.restart(scriptedModel([[text('Your refund is done.')]]), { fault: () => {}, effectClaimMs: 0 });
    expect(await h.runtime.recoverPendingEffects()).toBe(1);
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
    const view = await h.runtime.getConversation(c.conversation_id, c.token);
    expect(view.state).toBe('resolved');
  });
});

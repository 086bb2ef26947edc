import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, toolUse, type Script } from '../support/scripted-model.js';
import { chatOnce, proposalsOf, refundsOf, ticketsOf } from '../support/assertions.js';

let h: Harness;
afterEach(async () => h?.close());

const sarahChecked: Script = [
  [toolUse('get_customer', { email: 'sarah@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
];

describe('I3 amount', () => {
  it('rejects a model-chosen amount and refunds only the system amount', async () => {
    h = await createHarness(
      scriptedModel([
        ...sarahChecked,
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged', amount: 500 })],
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged', amount: 89.99 })],
        [text('done')],
      ]),
    );
    const c = await chatOnce(h, 'sarah@example.com ORD-8842 broken');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[2]).toMatchObject({ decision: 'rejected', code: 'AMOUNT_MISMATCH', invariant: 'I3' });
    expect(p[3]).toMatchObject({ decision: 'accepted' });
    const refunds = await refundsOf(h);
    expect(refunds.map((r) => [r.order_id, r.amount])).toEqual([['ORD-8842', 89.99]]);
  });

  it('never refunds above the limit: an approval request and a P2 ticket carrying its id instead (I3, I14)', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'james@example.com' }), toolUse('lookup_order', { order_id: 'ORD-7771' })],
        [toolUse('process_refund', { order_id: 'ORD-7771', reason: 'not_received' })],
        [toolUse('process_refund', { order_id: 'ORD-7771', reason: 'not_received', amount: 149 })],
        [text('A specialist will review it.')],
      ]),
    );
    const c = await chatOnce(h, 'james@example.com ORD-7771 never arrived');
    const p = await proposalsOf(h, c.conversation_id);
    // the proposal becomes a request for a supervisor, never a refund; a second proposal waits its turn
    expect(p[2]).toMatchObject({ decision: 'accepted' });
    expect(p[3]).toMatchObject({ decision: 'rejected' });
    expect(await refundsOf(h)).toEqual([]);
    const tickets = await ticketsOf(h, c.conversation_id);
    expect(tickets.map((t) => [t.priority, t.reason])).toEqual([['P2', 'policy_exception']]);
    expect(c.result.state).toBe('awaiting-approval');
    expect(c.result.awaiting).toMatchObject({ kind: 'approval', order_id: 'ORD-7771', amount: 400 });
    const requestId = c.result.awaiting?.kind === 'approval' ? c.result.awaiting.request_id : '';
    expect(tickets[0]?.approval_request_id).toBe(requestId);
    expect(c.result.status).toBe('escalated');
  });

  it('honours a lower configured limit', async () => {
    h = await createHarness(
      scriptedModel([
        ...sarahChecked,
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
        [text('ok')],
      ]),
      {
        policy: { refundLimitCents: 5000, returnWindowDays: 30 },
      },
    );
    const c = await chatOnce(h, 'sarah@example.com');
    expect((await proposalsOf(h, c.conversation_id))[2]).toMatchObject({ decision: 'accepted' });
    expect(c.result.state).toBe('awaiting-approval');
    expect(await refundsOf(h)).toEqual([]);
  });
});

describe('I4 once', () => {
  it('refunds once when the model proposes the same refund twice in one response', async () => {
    h = await createHarness(
      scriptedModel([
        ...sarahChecked,
        [
          toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' }),
          toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' }),
        ],
        [text('done')],
      ]),
    );
    const c = await chatOnce(h, 'sarah@example.com');
    expect((await proposalsOf(h, c.conversation_id)).slice(2).map((p) => p.decision)).toEqual(['accepted', 'rejected']);
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
  });

  it('refunds once across two conversations, even when both looked the order up first', async () => {
    const lookups = scriptedModel([...sarahChecked, [text('looked')], ...sarahChecked, [text('looked')]]);
    h = await createHarness(lookups);
    const a = await chatOnce(h, 'sarah@example.com ORD-8842');
    const b = await chatOnce(h, 'sarah@example.com ORD-8842');
    expect(a.result.state).toBe('refund-eligible');
    expect(b.result.state).toBe('refund-eligible');
    // both conversations now propose the refund
    const refundBoth = scriptedModel([
      [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
      [text('done')],
      [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
      [text('done')],
    ]);
    const h2 = await h.restart(refundBoth);
    h = h2;
    await h.runtime.sendMessage(a.conversation_id, a.token, 'refund it');
    await h.runtime.sendMessage(b.conversation_id, b.token, 'refund it');
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
    const pb = await proposalsOf(h, b.conversation_id);
    expect(pb[pb.length - 1]).toMatchObject({ tool: 'process_refund', decision: 'rejected', code: 'DUPLICATE' });
  });

  it('refunds once when two conversations race for the same order concurrently', async () => {
    const model = scriptedModel([]);
    const perConversation = new Map<string, number>();
    // every conversation: verify+lookup, refund, then text
    model.next = async (req) => {
      const key = JSON.stringify(req.messages[0]);
      const n = perConversation.get(key) ?? 0;
      perConversation.set(key, n + 1);
      const steps = [
        sarahChecked[0] as never,
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
        [text('done')],
      ];
      const content = steps[Math.min(n, 2)]!;
      return {
        content,
        stopReason: 'end_turn',
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
      };
    };
    h = await createHarness(model);
    const convs = await Promise.all(Array.from({ length: 8 }, () => h.runtime.createConversation()));
    await Promise.all(
      convs.map((c, i) => h.runtime.sendMessage(c.conversation_id, c.token, `sarah@example.com ORD-8842 #${i}`)),
    );
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
  });
});

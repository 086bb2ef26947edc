/**
 * I14: above the limit, a refund happens only after a supervisor approved that exact request
 * (request id + digest, before its deadline), once. Each test makes its own customer and order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorConflictError } from '../../src/runtime/operator-actions.js';
import { addCustomer, addOrder } from '../support/builders.js';
import { createHarness, FIXED_NOW, type Harness } from '../support/harness.js';
import { proposalsOf, refundsOf, ticketsOf } from '../support/assertions.js';
import { deferredModel, text, toolUse } from '../support/scripted-model.js';

const SUPERVISOR = { name: 'Maria Supervisor', role: 'supervisor' as const };
const AGENT = { name: 'Ari Agent', role: 'agent' as const };

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** A conversation waiting for approval of a $400 refund (the customer said yes to the offer). */
async function awaitingApproval(options: { clock?: () => Date } = {}) {
  const model = deferredModel();
  h = await createHarness(model, { runtime: { confirmRefunds: true }, ...options });
  const customer = await addCustomer(h);
  const order = await addOrder(h, customer, { cents: 40_000 });
  model.play([
    [toolUse('get_customer', { email: customer.email }), toolUse('lookup_order', { order_id: order })],
    [toolUse('process_refund', { order_id: order, reason: 'not_received' })],
    [text('A specialist needs to approve this.')],
  ]);
  const conv = await h.runtime.createConversation();
  const id = conv.conversation_id;
  const offered = await h.runtime.sendMessage(
    id,
    conv.token,
    `I'm ${customer.email}; ${order} never arrived, refund please`,
  );
  expect(offered.awaiting).toMatchObject({ kind: 'confirmation', order_id: order, amount: 400 });
  const asked = await h.runtime.sendMessage(id, conv.token, 'yes please');
  expect(asked.state).toBe('awaiting-approval');
  const queue = await h.runtime.operatorQueue();
  const item = queue.find((q) => q.conversation_id === id);
  if (!item?.approval) throw new Error('no approval in the queue');
  return { h, model, id, token: conv.token, order, approval: item.approval, item };
}

describe('I14 a supervisor approves the exact request', () => {
  it('puts the confirmed request in the queue with its digest and a P2 ticket carrying its id; nothing is refunded', async () => {
    const s = await awaitingApproval();
    expect(s.item).toMatchObject({ kind: 'approval', priority: 'P2', state: 'awaiting-approval' });
    expect(s.approval).toMatchObject({ order_id: s.order, amount: 400 });
    expect(s.approval.digest).toMatch(/^[0-9a-f]{64}$/);
    const tickets = await ticketsOf(s.h, s.id);
    expect(tickets.map((t) => [t.priority, t.approval_request_id])).toEqual([['P2', s.approval.request_id]]);
    expect(await refundsOf(s.h)).toEqual([]);
  });

  it('refunds exactly once on a supervisor’s approval with the right request id and digest, without asking again', async () => {
    const s = await awaitingApproval();
    const view = await s.h.runtime.operatorAct(s.id, SUPERVISOR, {
      kind: 'approve',
      requestId: s.approval.request_id,
      digest: s.approval.digest,
    });
    expect(view.state).toBe('resolved');
    expect((await refundsOf(s.h)).map((r) => [r.order_id, r.amount])).toEqual([[s.order, 400]]);
    // the customer is told, in their transcript (and live)
    const customer = await s.h.runtime.getConversation(s.id, s.token);
    expect(customer.messages.at(-1)).toMatchObject({ role: 'system' });
    expect(customer.messages.at(-1)?.text).toContain(`approved your refund`);
    // and a second approval is refused: the request is gone, the order refunded
    await expect(
      s.h.runtime.operatorAct(s.id, SUPERVISOR, {
        kind: 'approve',
        requestId: s.approval.request_id,
        digest: s.approval.digest,
      }),
    ).rejects.toBeInstanceOf(OperatorConflictError);
    expect(await refundsOf(s.h)).toHaveLength(1);
  });

  for (const [what, change] of [
    [
      'a wrong digest',
      // its last character changed (a digest that already ended in 0 made this the right one: 1 run in 16)
      (a: { request_id: string; digest: string }) => ({
        requestId: a.request_id,
        digest: `${a.digest.slice(0, -1)}${a.digest.endsWith('0') ? '1' : '0'}`,
      }),
    ],
    [
      'a wrong request id',
      (a: { request_id: string; digest: string }) => ({ requestId: `${a.request_id}x`, digest: a.digest }),
    ],
  ] as const) {
    it(`refuses an approval with ${what} (409 with what is allowed) and refunds nothing`, async () => {
      const s = await awaitingApproval();
      const error = await s.h.runtime
        .operatorAct(s.id, SUPERVISOR, { kind: 'approve', ...change(s.approval) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperatorConflictError);
      const conflict = error as OperatorConflictError;
      expect(conflict.rejection).toMatchObject({ code: 'REQUEST_MISMATCH', invariant: 'I14' });
      expect(conflict.allowed).toEqual(
        expect.arrayContaining(['operator.approve', 'operator.deny', 'operator.takeover']),
      );
      expect(await refundsOf(s.h)).toEqual([]);
    });
  }

  it('refuses an approval from an agent (403), and records the attempt with the operator’s name', async () => {
    const s = await awaitingApproval();
    const error = await s.h.runtime
      .operatorAct(s.id, AGENT, { kind: 'approve', requestId: s.approval.request_id, digest: s.approval.digest })
      .catch((e: unknown) => e);
    expect((error as OperatorConflictError).rejection.code).toBe('NOT_SUPERVISOR');
    expect(await refundsOf(s.h)).toEqual([]);
    const actions = (await s.h.runtime.store.listEvents(s.id)).filter((e) => e.kind === 'operator_action');
    expect(actions.map((e) => e.payload)).toEqual([
      expect.objectContaining({ operator: 'Ari Agent', role: 'agent', action: 'approve', decision: 'rejected' }),
    ]);
  });

  it('a denial returns the conversation to the agent with a reason the customer reads; the order is not offered again', async () => {
    const s = await awaitingApproval();
    const view = await s.h.runtime.operatorAct(s.id, SUPERVISOR, {
      kind: 'deny',
      requestId: s.approval.request_id,
      digest: s.approval.digest,
      note: 'The courier found the parcel; it will be delivered tomorrow',
    });
    expect(view.state).toBe('order-checked');
    const customer = await s.h.runtime.getConversation(s.id, s.token);
    expect(customer.messages.at(-1)?.text).toContain('the courier found the parcel'.replace(/^t/, 'T'));
    s.model.play([[toolUse('process_refund', { order_id: s.order, reason: 'not_received' })], [text('ok')]]);
    await s.h.runtime.sendMessage(s.id, s.token, 'please refund it anyway');
    const last = (await proposalsOf(s.h, s.id)).at(-1);
    expect(last).toMatchObject({ tool: 'process_refund', decision: 'rejected', code: 'INELIGIBLE' });
    expect(await refundsOf(s.h)).toEqual([]);
  });

  it('an expired request stays escalated (the sweep delivers the expiry) and can no longer be approved', async () => {
    let now = FIXED_NOW.getTime();
    const s = await awaitingApproval({ clock: () => new Date(now) });
    now += 25 * 3_600_000; // past the 24-hour deadline
    expect(await s.h.runtime.recoverPendingEffects()).toBeGreaterThanOrEqual(1);
    const view = await s.h.runtime.getConversation(s.id, s.token);
    expect(view.state).toBe('escalated');
    const error = await s.h.runtime
      .operatorAct(s.id, SUPERVISOR, { kind: 'approve', requestId: s.approval.request_id, digest: s.approval.digest })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperatorConflictError);
    expect(await refundsOf(s.h)).toEqual([]);
  });

  it('two supervisors approving at once give one refund; the other is refused', async () => {
    const s = await awaitingApproval();
    const approve = () =>
      s.h.runtime
        .operatorAct(s.id, SUPERVISOR, { kind: 'approve', requestId: s.approval.request_id, digest: s.approval.digest })
        .then(() => 'ok' as const)
        .catch((e: unknown) => (e instanceof OperatorConflictError ? ('409' as const) : Promise.reject(e)));
    const results = await Promise.all([approve(), approve()]);
    expect(results.sort()).toEqual(['409', 'ok']);
    expect(await refundsOf(s.h)).toHaveLength(1);
  });

  it('while waiting, a model proposal for that order is refused and the customer hears a specialist is reviewing it', async () => {
    const s = await awaitingApproval();
    s.model.play([
      [toolUse('process_refund', { order_id: s.order, reason: 'not_received' })],
      [text('Working on it.')],
    ]);
    const r = await s.h.runtime.sendMessage(s.id, s.token, 'any news?');
    expect((await proposalsOf(s.h, s.id)).at(-1)).toMatchObject({
      decision: 'rejected',
      code: 'APPROVAL_PENDING',
      invariant: 'I14',
    });
    expect(r.reply).toContain('A specialist is reviewing the refund');
    expect(await refundsOf(s.h)).toEqual([]);
  });

  it('without confirmation (never), the proposal itself becomes the request; the approval still pays it once', async () => {
    const model = deferredModel();
    h = await createHarness(model, { runtime: { confirmRefunds: false } });
    const customer = await addCustomer(h);
    const order = await addOrder(h, customer, { cents: 25_000 });
    model.play([
      [toolUse('get_customer', { email: customer.email }), toolUse('lookup_order', { order_id: order })],
      [toolUse('process_refund', { order_id: order, reason: 'damaged' })],
      [text('ok')],
    ]);
    const conv = await h.runtime.createConversation();
    const r = await h.runtime.sendMessage(
      conv.conversation_id,
      conv.token,
      `${customer.email}: ${order} is broken, refund it`,
    );
    expect(r.state).toBe('awaiting-approval');
    const item = (await h.runtime.operatorQueue()).find((q) => q.conversation_id === conv.conversation_id)!;
    await h.runtime.operatorAct(conv.conversation_id, SUPERVISOR, {
      kind: 'approve',
      requestId: item.approval!.request_id,
      digest: item.approval!.digest,
    });
    expect((await refundsOf(h)).map((x) => [x.order_id, x.amount])).toEqual([[order, 250]]);
  });
});

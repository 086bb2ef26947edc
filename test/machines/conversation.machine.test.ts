import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { conversationMachine, STATE_NAMES } from '../../src/machines/conversation.machine.js';
import type { OrderFacts } from '../../src/machines/conversation.context.js';

const start = () => initialTransition(conversationMachine, { conversationId: 'c1', refundLimitCents: 15_000 })[0];
const sarah = { customerId: 'USR-001', name: 'Sarah Chen', email: 'sarah@example.com', status: 'active' as const };
const facts = (over: Partial<OrderFacts> = {}): OrderFacts => ({
  orderId: 'ORD-1',
  owned: true,
  eligible: true,
  ineligibleCode: null,
  refundableCents: 5000,
  needsApproval: false,
  refunded: false,
  refundId: null,
  ...over,
});

function verified() {
  const [s] = transition(conversationMachine, start(), { type: 'customer.found', customer: sarah });
  return s;
}

describe('conversation machine (pure)', () => {
  it('starts unverified and names every state it can reach', () => {
    expect(start().value).toBe('unverified');
    expect(STATE_NAMES).toContain('refund-reconciling');
  });

  it('moves to refund-eligible only for an owned, eligible order within the limit', () => {
    const [eligible] = transition(conversationMachine, verified(), { type: 'order.checked', facts: facts() });
    expect(eligible.value).toBe('refund-eligible');
    const [approval] = transition(conversationMachine, verified(), { type: 'order.checked', facts: facts({ refundableCents: 40_000, needsApproval: true }) });
    expect(approval.value).toBe('order-checked');
    const [foreign] = transition(conversationMachine, verified(), { type: 'order.checked', facts: facts({ owned: false }) });
    expect(foreign.value).toBe('escalated');
    expect(foreign.context.orders['ORD-1']).toMatchObject({ owned: false, refundableCents: 0 });
  });

  it('emits a refund effect marker on an accepted refund and a ticket marker on escalation', () => {
    const [eligible] = transition(conversationMachine, verified(), { type: 'order.checked', facts: facts() });
    const [pending, actions] = transition(conversationMachine, eligible, { type: 'propose.process_refund', orderId: 'ORD-1', reason: 'damaged', amountCents: null });
    expect(pending.value).toBe('refund-pending');
    expect(actions.map((a) => a.type)).toContain('requestRefund');
    expect(pending.context.pendingRefund).toMatchObject({ orderId: 'ORD-1', amountCents: 5000, idempotencyKey: 'refund:ORD-1' });
    const [, escActions] = transition(conversationMachine, start(), { type: 'escalate', reason: 'customer_distress', priority: 'P1', source: 'trigger', summary: 's', orderId: null });
    expect(escActions.map((a) => a.type)).toContain('requestTicket');
  });

  it('refuses any refund while another is pending, and after escalation', () => {
    const [eligible] = transition(conversationMachine, verified(), { type: 'order.checked', facts: facts() });
    const [pending] = transition(conversationMachine, eligible, { type: 'propose.process_refund', orderId: 'ORD-1', reason: 'damaged', amountCents: null });
    expect(pending.can({ type: 'propose.process_refund', orderId: 'ORD-1', reason: 'damaged', amountCents: null })).toBe(false);
    const [escalated] = transition(conversationMachine, eligible, { type: 'escalate', reason: 'customer_distress', priority: 'P1', source: 'trigger', summary: 's', orderId: null });
    expect(escalated.can({ type: 'propose.process_refund', orderId: 'ORD-1', reason: 'damaged', amountCents: null })).toBe(false);
    expect(escalated.can({ type: 'propose.lookup_order', orderId: 'ORD-1' })).toBe(false);
    expect(escalated.can({ type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 'again', orderId: null })).toBe(false);
  });

  it('completes a refund pending at escalation time and records it', () => {
    const [eligible] = transition(conversationMachine, verified(), { type: 'order.checked', facts: facts() });
    const [pending] = transition(conversationMachine, eligible, { type: 'propose.process_refund', orderId: 'ORD-1', reason: 'damaged', amountCents: null });
    const [escalated] = transition(conversationMachine, pending, { type: 'escalate', reason: 'customer_distress', priority: 'P1', source: 'trigger', summary: 's', orderId: null });
    const [done] = transition(conversationMachine, escalated, { type: 'refund.succeeded', orderId: 'ORD-1', refundId: 'RF-1' });
    expect(done.value).toBe('escalated');
    expect(done.context.orders['ORD-1']?.refunded).toBe(true);
    expect(done.context.pendingRefund).toBeNull();
  });

  it('ignores a refund result for another order than the pending one', () => {
    const [eligible] = transition(conversationMachine, verified(), { type: 'order.checked', facts: facts() });
    const [pending] = transition(conversationMachine, eligible, { type: 'propose.process_refund', orderId: 'ORD-1', reason: 'damaged', amountCents: null });
    expect(pending.can({ type: 'refund.succeeded', orderId: 'ORD-2', refundId: 'RF-2' })).toBe(false);
  });

  it('round-trips through JSON (persist, restore, continue)', () => {
    const [eligible] = transition(conversationMachine, verified(), { type: 'order.checked', facts: facts() });
    const stored = JSON.parse(JSON.stringify({ value: eligible.value, context: eligible.context }));
    const restored = conversationMachine.resolveState(stored);
    expect(restored.can({ type: 'propose.process_refund', orderId: 'ORD-1', reason: 'damaged', amountCents: null })).toBe(true);
    expect(restored.can({ type: 'propose.process_refund', orderId: 'ORD-2', reason: 'damaged', amountCents: null })).toBe(false);
  });
});

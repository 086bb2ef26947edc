/**
 * The runtime's own machine steps (machine-steps.ts: a reused inert scope instead of an actor built
 * for every step) give what xstate's initialTransition and transition give.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { conversationMachine } from '../../src/machines/conversation.machine.js';
import { initialSnapshot, persist, step } from '../../src/runtime/machine-steps.js';

describe('machine steps', () => {
  it.each([
    { conversationId: 'c1', refundLimitCents: 15_000 },
    { conversationId: 'c2', refundLimitCents: 0, confirmRefunds: false },
    { conversationId: 'c3', refundLimitCents: 9_999, confirmRefunds: true, approvalHours: 4 },
  ])('start a conversation as initialTransition does (%j)', (input) => {
    const ours = initialSnapshot(input);
    const [theirs] = initialTransition(conversationMachine, input);
    expect(persist(ours)).toEqual(persist(theirs));
    expect(ours.value).toEqual(theirs.value);
  });

  it('step as transition does, the second conversation unaffected by the first', () => {
    const a = initialSnapshot({ conversationId: 'a', refundLimitCents: 15_000 });
    const b = initialSnapshot({ conversationId: 'b', refundLimitCents: 15_000 });
    const event = {
      type: 'customer.found',
      customer: { customerId: 'USR-001', name: 'Sarah Chen', email: 'sarah@example.com', status: 'active' },
      via: 'chat',
    } as const;
    const ours = step(a, event);
    const [theirs] = transition(conversationMachine, a, event);
    expect(ours).not.toBeNull();
    expect(persist(ours!.next)).toEqual(persist(theirs));
    expect(persist(b).context.conversationId).toBe('b');
    expect(persist(b).value).toBe(persist(a).value);
  });
});

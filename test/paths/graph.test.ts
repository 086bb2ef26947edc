/** xstate/graph over the pure machine: coverage, invariants in every state, and mutants caught. */
import { describe, expect, it } from 'vitest';
import { conversationMachine, STATE_NAMES } from '../../src/machines/conversation.machine.js';
import { graphCoverage } from './graph.js';

/**
 * Handback fallbacks no conversation can reach: a conversation is taken over either in a resting
 * state (handback returns there) or while an offer, a request or a refund is open, which needs an
 * order; so "no orders, back to verified / unverified" is defence in depth.
 */
export const UNREACHABLE = [
  'human-active --operator.handback#14--> verified',
  'human-active --operator.handback#15--> unverified',
];

const problems = (r: ReturnType<typeof graphCoverage>) => r.violations.flatMap((v) => v.problems).join('\n');

describe('graph coverage of the conversation machine', () => {
  it('reaches every state and every reachable transition, with the invariants holding in every state', () => {
    const r = graphCoverage();
    expect(r.violations).toEqual([]);
    expect(r.statesReached).toEqual([...STATE_NAMES]);
    expect(r.missingTransitions).toEqual(UNREACHABLE);
    expect(r.transitionsReached).toBe(r.transitionsTotal - UNREACHABLE.length);
    expect(r.simplePaths).toBeGreaterThan(50);
  });

  it('catches a machine whose refund guard lets everything through', () => {
    const offer = conversationMachine.provide({ guards: { canOfferRefund: () => true } });
    expect(
      problems(graphCoverage(offer, { maxOrders: 1, simplePaths: false, stopAtFirst: true, configs: ['confirm'] })),
    ).toMatch(/I[12]: refund of ORD-\w .* allowed (before verification|without lookup)/);
    const now = conversationMachine.provide({ guards: { canRefundNow: () => true } });
    expect(
      problems(graphCoverage(now, { maxOrders: 1, simplePaths: false, stopAtFirst: true, configs: ['direct'] })),
    ).toMatch(/I[12]: refund of ORD-\w .* allowed (before verification|without lookup)/);
  });

  it('catches a machine that refunds on a yes to another offer or digest', () => {
    const mutant = conversationMachine.provide({ guards: { confirmsRefundOffer: () => true } });
    const found = problems(
      graphCoverage(mutant, { maxOrders: 1, simplePaths: false, stopAtFirst: true, configs: ['confirm'] }),
    );
    const yes = /customer\.confirmed → refund of ORD-\w \(\d+\) on a yes (to another offer|with another digest)/;
    expect(found).toMatch(new RegExp(`I13: (${yes.source}|confirm_refund \\(chat, .*\\) allowed)`));
  });

  it('catches a machine that lets anyone approve anything', () => {
    const mutant = conversationMachine.provide({ guards: { canApprove: () => true } });
    const found = problems(
      graphCoverage(mutant, { maxOrders: 1, simplePaths: false, stopAtFirst: true, configs: ['direct'] }),
    );
    expect(found).toMatch(/I14: operator\.approve (by a agent|of another request) allowed/);
  });

  it('catches a machine that does not escalate a foreign order', () => {
    const mutant = conversationMachine.provide({ guards: { isForeignOrder: () => false } });
    const r = graphCoverage(mutant, { maxOrders: 1, simplePaths: false, stopAtFirst: true, configs: ['confirm'] });
    expect(problems(r)).toMatch(/I5: foreign order ORD-F looked up without a ticket/);
  });

  it('catches a machine that forgets where a handback returns', () => {
    const mutant = conversationMachine.provide({ guards: { tookOverFrom: () => false } });
    const r = graphCoverage(mutant, { maxOrders: 1, simplePaths: false, stopAtFirst: true, configs: ['confirm'] });
    expect(problems(r)).toMatch(/I15: handback to \S+, taken over in /);
  });
});

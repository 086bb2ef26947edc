/** xstate/graph over the pure machine: coverage, invariants in every state, and mutants caught. */
import { describe, expect, it } from 'vitest';
import { conversationMachine, STATE_NAMES } from '../../src/machines/conversation.machine.js';
import { graphCoverage } from './graph.js';

describe('graph coverage of the conversation machine', () => {
  it('reaches every state and every transition, with the invariants holding in every state', () => {
    const r = graphCoverage();
    expect(r.violations).toEqual([]);
    expect(r.statesReached).toEqual([...STATE_NAMES]);
    expect(r.missingTransitions).toEqual([]);
    expect(r.transitionsReached).toBe(r.transitionsTotal);
    expect(r.simplePaths).toBeGreaterThan(100);
  });

  it('catches a machine whose refund guard lets everything through', () => {
    const mutant = conversationMachine.provide({ guards: { canRefund: () => true } });
    const r = graphCoverage(mutant, { maxOrders: 1, simplePaths: false });
    expect(r.violations.flatMap((v) => v.problems).join('\n')).toMatch(/I2: refund of ORD-B .* ineligible order allowed/);
  });

  it('catches a machine that does not escalate a foreign order', () => {
    const mutant = conversationMachine.provide({ guards: { isForeignOrder: () => false } });
    const r = graphCoverage(mutant, { maxOrders: 1, simplePaths: false });
    expect(r.violations.flatMap((v) => v.problems).join('\n')).toMatch(/I5: foreign order ORD-F looked up without a ticket/);
  });
});

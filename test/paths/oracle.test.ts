import { describe, expect, it } from 'vitest';
import { allDemoData } from '../../src/backends/embedded/demo-data.js';
import { DEFAULT_POLICY } from '../../src/policy.js';
import { EXHAUSTIVE_ALPHABET, RANDOM_ALPHABET } from './alphabet.js';
import { CUSTOMERS, LIMIT_CENTS, ORDERS, expectedRecords, newWorld, statusOf, turn, type Action } from './oracle.js';

const says = (...turns: Array<Action[] | 'trigger'>) => {
  const w = newWorld();
  // the customer writes every address the model then verifies (the model choosing one is another test)
  const written = (t: Action[]) => t.flatMap((a) => (a.tool === 'get_customer' ? [a.email] : []));
  const decisions = turns.map((t) =>
    t === 'trigger' ? turn(w, 'c', { trigger: true, emails: [], proposals: [] }) : turn(w, 'c', { trigger: false, emails: written(t), proposals: t }),
  );
  return { decisions, status: statusOf(w, 'c'), ...expectedRecords(w) };
};
const get = (email: string): Action => ({ tool: 'get_customer', email });
const lookup = (orderId: string): Action => ({ tool: 'lookup_order', orderId });
const refund = (orderId: string, cents: number | null = null): Action => ({ tool: 'process_refund', orderId, cents });

describe('the oracle fixture', () => {
  it('names demo records exactly as demo-data.ts seeds them', () => {
    const data = allDemoData();
    for (const c of CUSTOMERS) {
      const d = data.customers.find((x) => x.customerId === c.id);
      expect(d, c.id).toBeDefined();
      expect({ email: d!.email, status: d!.status }).toEqual({ email: c.email, status: c.status });
    }
    for (const o of ORDERS) {
      const d = data.orders.find((x) => x.orderId === o.id);
      expect(d, o.id).toBeDefined();
      expect({ owner: d!.customerId, cents: d!.amountCents, refunded: d!.refunded === true }).toEqual({ owner: o.owner, cents: o.cents, refunded: o.cls === 'refunded' });
      // the class, re-derived by hand from the record: one-time, delivered ≤ 30 days ago or lost in transit
      const inWindow = d!.status === 'delivered' && d!.deliveredDaysAgo !== null && d!.deliveredDaysAgo <= 30;
      const eligible = d!.kind === 'one_time' && (inWindow || d!.status === 'lost_in_transit') && !d!.refunded;
      expect(o.cls === 'eligible', o.id).toBe(eligible);
    }
    expect(data.orders.some((o) => o.orderId === 'ORD-0000')).toBe(false);
    expect(DEFAULT_POLICY.refundLimitCents).toBe(LIMIT_CENTS);
  });

  it('refuses to verify an address the customer never wrote', () => {
    const w = newWorld();
    expect(turn(w, 'c', { trigger: false, emails: [], proposals: [get('chloe.costa@example.com')] })).toEqual(['rejected']);
    expect(turn(w, 'c', { trigger: false, emails: ['chloe.costa@example.com'], proposals: [get('chloe.costa@example.com')] })).toEqual(['accepted']);
  });

  it('labels every step of the alphabets once', () => {
    expect(EXHAUSTIVE_ALPHABET).toHaveLength(20);
    expect(new Set(RANDOM_ALPHABET.map((s) => s.name)).size).toBe(RANDOM_ALPHABET.length);
    const tools = new Set(EXHAUSTIVE_ALPHABET.flatMap((s) => (s.kind === 'turn' ? s.calls.map((c) => c.name) : [])));
    expect([...tools].sort()).toEqual(['escalate_to_human', 'get_customer', 'lookup_order', 'process_refund', 'refund_order']);
  });
});

describe('the oracle', () => {
  it('lets a verified customer refund an eligible order once, at the system amount', () => {
    const r = says([get('sarah@example.com')], [lookup('ORD-8842')], [refund('ORD-8842', 8999)], [refund('ORD-8842')]);
    expect(r.decisions.flat()).toEqual(['accepted', 'accepted', 'accepted', 'rejected']);
    expect(r.refunds).toEqual(['ORD-8842:8999@c']);
    expect(r.status).toBe('resolved');
  });

  it('refuses order tools before verification, an unchecked order, and a wrong amount', () => {
    const r = says([lookup('ORD-8842'), refund('ORD-8842')], [get('sarah@example.com'), refund('ORD-8842')], [lookup('ORD-8842'), refund('ORD-8842', 100)]);
    expect(r.decisions.flat()).toEqual(['rejected', 'rejected', 'accepted', 'rejected', 'accepted', 'rejected']);
    expect(r.refunds).toEqual([]);
  });

  it('opens P1 for another customer\'s order and refuses everything after', () => {
    const r = says([get('marcus@example.com')], [lookup('ORD-8842')], [lookup('ORD-9901'), { tool: 'escalate_to_human', priority: 'P3' }]);
    expect(r.decisions.flat()).toEqual(['accepted', 'accepted', 'rejected', 'rejected']);
    expect(r.tickets).toEqual(['c:P1']);
  });

  it('opens P2 for a refund above the limit and for a suspended account', () => {
    expect(says([get('james@example.com')], [lookup('ORD-7771')], [refund('ORD-7771')]).tickets).toEqual(['c:P2']);
    expect(says([get('dana@example.com')]).tickets).toEqual(['c:P2']);
  });

  it('keeps eligibility per order: checking one order does not make another refundable', () => {
    const r = says([get('chloe.costa@example.com')], [lookup('ORD-1063'), lookup('ORD-1049')], [refund('ORD-1049')]);
    expect(r.decisions[2]).toEqual(['rejected']);
  });

  it('opens P1 on a trigger, and P3 after three turns in a row that obtain nothing needed', () => {
    expect(says('trigger').tickets).toEqual(['c:P1']);
    expect(says([get('nobody@example.com')], [], []).tickets).toEqual(['c:P3']);
    expect(says([get('nobody@example.com')], [], [get('sarah@example.com')], [], []).tickets).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { allDemoData } from '../../src/backends/embedded/demo-data.js';
import { DEFAULT_POLICY } from '../../src/policy.js';
import { CONFIRM_ALPHABET, DIRECT_ALPHABET, RANDOM_ALPHABET } from './alphabet.js';
import {
  CUSTOMERS,
  FIXTURE_VALID_HOURS,
  LIMIT_CENTS,
  ORDERS,
  expectedRecords,
  modelRuns,
  newWorld,
  statusOf,
  turn,
  type Action,
  type Answer,
  type World,
} from './oracle.js';
import { operate, passDeadline, sweep, type OperatorAction, type Role } from './oracle-operators.js';

type Say = Action[] | 'trigger' | Answer | { op: OperatorAction; role?: Role } | 'expire';

/** Plays turns and operator actions on a fresh world; the customer writes every address the model then verifies. */
const says = (confirm: boolean, ...steps: Say[]) => {
  const w: World = newWorld(confirm);
  const written = (t: Action[]) => t.flatMap((a) => (a.tool === 'get_customer' ? [a.email] : []));
  const decisions = steps.map((t) => {
    if (t === 'trigger') return turn(w, 'c', { trigger: true, emails: [], answer: 'unclear', proposals: [] });
    if (t === 'yes' || t === 'no' || t === 'unclear')
      return turn(w, 'c', { trigger: false, emails: [], answer: t, proposals: [] });
    if (t === 'expire') {
      passDeadline(w, 'c');
      sweep(w);
      return [];
    }
    if (!Array.isArray(t)) return [operate(w, 'c', t.role ?? 'supervisor', t.op)];
    return turn(w, 'c', { trigger: false, emails: written(t), answer: 'unclear', proposals: t });
  });
  return { decisions, status: statusOf(w, 'c'), world: w, ...expectedRecords(w) };
};
const get = (email: string): Action => ({ tool: 'get_customer', email });
const lookup = (orderId: string): Action => ({ tool: 'lookup_order', orderId });
const refund = (orderId: string, cents: number | null = null): Action => ({ tool: 'process_refund', orderId, cents });
const approve = { op: { op: 'approve', request: 'open', digest: 'open' } } as const;
const deny = { op: { op: 'deny', request: 'open', digest: 'open' } } as const;

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
      expect({ owner: d!.customerId, cents: d!.amountCents, refunded: d!.refunded === true }).toEqual({
        owner: o.owner,
        cents: o.cents,
        refunded: o.cls === 'refunded',
      });
      // the class, re-derived by hand from the record: one-time, delivered ≤ 30 days ago or lost in transit
      const inWindow = d!.status === 'delivered' && d!.deliveredDaysAgo !== null && d!.deliveredDaysAgo <= 30;
      const eligible = d!.kind === 'one_time' && (inWindow || d!.status === 'lost_in_transit') && !d!.refunded;
      expect(o.cls === 'eligible', o.id).toBe(eligible);
      // …and it still holds when the clock has moved FIXTURE_VALID_HOURS on (only past approval deadlines)
      if (inWindow && eligible) expect(30 - d!.deliveredDaysAgo! > FIXTURE_VALID_HOURS / 24, o.id).toBe(true);
    }
    expect(data.orders.some((o) => o.orderId === 'ORD-0000')).toBe(false);
    expect(DEFAULT_POLICY.refundLimitCents).toBe(LIMIT_CENTS);
  });

  it('refuses to verify an address the customer never wrote', () => {
    const w = newWorld();
    const t = (emails: string[]) =>
      turn(w, 'c', { trigger: false, emails, answer: 'unclear', proposals: [get('chloe.costa@example.com')] });
    expect(t([])).toEqual(['rejected']);
    expect(t(['chloe.costa@example.com'])).toEqual(['accepted']);
  });

  it('labels every step of the alphabets once', () => {
    expect(CONFIRM_ALPHABET).toHaveLength(31);
    expect(DIRECT_ALPHABET).toHaveLength(27);
    expect(new Set(RANDOM_ALPHABET.map((s) => s.name)).size).toBe(RANDOM_ALPHABET.length);
    const tools = new Set(CONFIRM_ALPHABET.flatMap((s) => (s.kind === 'turn' ? s.calls.map((c) => c.name) : [])));
    expect([...tools].sort()).toEqual([
      'confirm_refund',
      'escalate_to_human',
      'get_customer',
      'lookup_order',
      'process_refund',
      'refund_order',
    ]);
  });
});

describe('the oracle, confirmation off', () => {
  it('lets a verified customer refund an eligible order once, at the system amount', () => {
    const r = says(
      false,
      [get('sarah@example.com')],
      [lookup('ORD-8842')],
      [refund('ORD-8842', 8999)],
      [refund('ORD-8842')],
    );
    expect(r.decisions.flat()).toEqual(['accepted', 'accepted', 'accepted', 'rejected']);
    expect(r.refunds).toEqual(['ORD-8842:8999@c']);
    expect(r.status).toBe('resolved');
  });

  it('refuses order tools before verification, an unchecked order, and a wrong amount', () => {
    const r = says(
      false,
      [lookup('ORD-8842'), refund('ORD-8842')],
      [get('sarah@example.com'), refund('ORD-8842')],
      [lookup('ORD-8842'), refund('ORD-8842', 100)],
    );
    expect(r.decisions.flat()).toEqual(['rejected', 'rejected', 'accepted', 'rejected', 'accepted', 'rejected']);
    expect(r.refunds).toEqual([]);
  });

  it("opens P1 for another customer's order and refuses everything after", () => {
    const r = says(
      false,
      [get('marcus@example.com')],
      [lookup('ORD-8842')],
      [lookup('ORD-9901'), { tool: 'escalate_to_human', priority: 'P3' }],
    );
    expect(r.decisions.flat()).toEqual(['accepted', 'accepted', 'rejected', 'rejected']);
    expect(r.tickets).toEqual(['c:P1']);
  });

  it('asks a supervisor (P2) above the limit instead of refunding, and opens P2 for a suspended account', () => {
    const r = says(false, [get('james@example.com')], [lookup('ORD-7771')], [refund('ORD-7771')]);
    expect(r.decisions.flat()).toEqual(['accepted', 'accepted', 'accepted']);
    expect({ refunds: r.refunds, tickets: r.tickets, status: r.status }).toEqual({
      refunds: [],
      tickets: ['c:P2'],
      status: 'escalated',
    });
    expect(says(false, [get('dana@example.com')]).tickets).toEqual(['c:P2']);
  });

  it('keeps eligibility per order, and decides each proposal of a response once (at most four)', () => {
    const r = says(
      false,
      [get('chloe.costa@example.com')],
      [lookup('ORD-1063'), lookup('ORD-1049')],
      [refund('ORD-1049')],
    );
    expect(r.decisions[2]).toEqual(['rejected']);
    const five = says(
      false,
      [get('chloe.costa@example.com')],
      ['ORD-1063', 'ORD-1063', 'ORD-1049', 'ORD-0000', 'ORD-9901'].map(lookup),
    );
    expect(five.decisions[1]).toEqual(['accepted', 'rejected', 'accepted', 'accepted', 'rejected']);
    expect(five.tickets).toEqual([]);
  });

  it('opens P1 on a trigger, and P3 after three turns in a row that obtain nothing needed', () => {
    expect(says(false, 'trigger').tickets).toEqual(['c:P1']);
    expect(says(false, [get('nobody@example.com')], [], []).tickets).toEqual(['c:P3']);
    expect(says(false, [get('nobody@example.com')], [], [get('sarah@example.com')], [], []).tickets).toEqual([]);
  });
});

describe('the oracle, confirmation on', () => {
  const offered: Say[] = [[get('sarah@example.com')], [lookup('ORD-8842')], [refund('ORD-8842')]];

  it('refunds only after the yes, exactly the offer', () => {
    expect(says(true, ...offered).refunds).toEqual([]);
    const r = says(true, ...offered, 'unclear', 'yes');
    expect(r.refunds).toEqual(['ORD-8842:8999@c']);
    expect(r.status).toBe('resolved');
  });

  it('withdraws the offer on a no: nothing refunded, and the order may be offered again', () => {
    const r = says(true, ...offered, 'no', 'yes', [refund('ORD-8842')]);
    expect(r.refunds).toEqual([]);
    expect(r.decisions.at(-1)).toEqual(['accepted']);
  });

  it('refuses any refund proposal while an offer waits', () => {
    const r = says(
      true,
      [get('ava.adams@example.com')],
      [lookup('ORD-1007'), lookup('ORD-1014')],
      [refund('ORD-1007')],
      [refund('ORD-1007'), refund('ORD-1014')],
    );
    expect(r.decisions.at(-1)).toEqual(['rejected', 'rejected']);
  });

  it('sends an above-limit yes to a supervisor, who approves the exact request once, before its deadline', () => {
    const asked: Say[] = [[get('james@example.com')], [lookup('ORD-7771')], [refund('ORD-7771')], 'yes'];
    const wrong = { op: { op: 'approve', request: 'open', digest: 'other' } } as const;
    const r = says(true, ...asked, wrong, { ...approve, role: 'agent' }, approve, approve);
    expect(r.decisions.slice(4).flat()).toEqual(['rejected', 'rejected', 'accepted', 'rejected']);
    expect(r.refunds).toEqual(['ORD-7771:40000@c']);
    expect(says(true, ...asked, 'expire', approve)).toMatchObject({
      refunds: [],
      status: 'escalated',
      tickets: ['c:P2'],
    });
  });

  it("keeps a supervisor's no: the order is not refundable here any more", () => {
    const r = says(true, [get('james@example.com')], [lookup('ORD-7771')], [refund('ORD-7771')], 'yes', deny, [
      lookup('ORD-7771'),
      refund('ORD-7771'),
    ]);
    expect(r.decisions.at(-1)).toEqual(['accepted', 'rejected']);
    expect(r.status).toBe('open');
  });

  it('calls no model while a person holds the conversation; the offer waits for the handback', () => {
    const takeover = { op: { op: 'takeover' } } as const;
    const handback = { op: { op: 'handback' } } as const;
    const r = says(true, ...offered, takeover, 'yes', [get('sarah@example.com')]);
    expect(modelRuns(r.world, 'c')).toBe(false);
    expect(r.decisions.slice(-2)).toEqual([[], []]);
    expect(r.refunds).toEqual([]);
    const back = says(true, ...offered, takeover, 'yes', handback, 'yes');
    expect(back.refunds).toEqual(['ORD-8842:8999@c']);
  });
});

/** The pure conversation machine (v3): transitions, the effects they emit, offers, approvals, people, codes. */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import type { ConversationInput, OrderFacts, VerifiedCustomer } from '../../src/machines/conversation.context.js';
import type { EffectParams } from '../../src/machines/conversation.effects.js';
import type { ConversationEvent, EventOf } from '../../src/machines/conversation.events.js';
import { conversationMachine } from '../../src/machines/conversation.machine.js';
import { operatorRules, proposalRules, type Rejection } from '../../src/machines/conversation.rules.js';
import { graphCoverage } from '../paths/graph.js';
import { operatorEvents, proposals } from '../paths/graph-model.js';

type Snapshot = ReturnType<typeof start>;
const T0 = Date.parse('2026-11-26T12:00:00.000Z');
const at = (hours = 0) => new Date(T0 + hours * 3_600_000).toISOString();

const start = (input: Partial<ConversationInput> = {}) =>
  initialTransition(conversationMachine, { conversationId: 'c1', refundLimitCents: 15_000, ...input })[0];

/** Applies events in order; returns the last snapshot and the effects each step emitted. */
function play(s: Snapshot, ...events: ConversationEvent[]): { s: Snapshot; effects: EffectParams[][] } {
  const effects: EffectParams[][] = [];
  for (const e of events) {
    expect(s.can(e), `${String(s.value)} must accept ${e.type}`).toBe(true);
    const [next, actions] = transition(conversationMachine, s, e);
    effects.push(actions.flatMap((a) => (a.type === 'effect' ? [a.params as EffectParams] : [])));
    s = next;
  }
  return { s, effects };
}

const person = (status: VerifiedCustomer['status'] = 'active'): VerifiedCustomer => ({
  customerId: 'USR-001',
  name: 'Sarah Chen',
  email: 'sarah@example.com',
  status,
});
const found = (status?: VerifiedCustomer['status'], via: 'chat' | 'mcp' = 'chat'): ConversationEvent => ({
  type: 'customer.found',
  customer: person(status),
  via,
});
const order = (orderId: string, over: Partial<OrderFacts> = {}): OrderFacts => ({
  orderId,
  owned: true,
  eligible: true,
  ineligibleCode: null,
  refundableCents: 5000,
  needsApproval: false,
  refunded: false,
  refundId: null,
  ...over,
});
const checked = (facts: OrderFacts): ConversationEvent => ({ type: 'order.checked', facts });
const propose = (orderId: string, cents: number, over: Partial<EventOf<'propose.process_refund'>> = {}) =>
  ({
    type: 'propose.process_refund',
    orderId,
    reason: 'damaged',
    amountCents: null,
    terms: {
      offerId: `offer_${orderId}`,
      digest: `d-${orderId}-${cents}`,
      amountCents: cents,
      destination: 'original_payment_method',
    },
    at: at(),
    ...over,
  }) satisfies EventOf<'propose.process_refund'>;
const yes = (s: Snapshot, over: Partial<EventOf<'customer.confirmed'>> = {}): ConversationEvent => ({
  type: 'customer.confirmed',
  offerId: s.context.offer?.offerId ?? 'none',
  digest: s.context.offer?.digest ?? 'none',
  via: 'chat',
  at: at(),
  ...over,
});
const approve = (s: Snapshot, over: Partial<EventOf<'operator.approve'>> = {}): EventOf<'operator.approve'> => ({
  type: 'operator.approve',
  requestId: s.context.approval?.requestId ?? 'none',
  digest: s.context.approval?.digest ?? 'none',
  operator: 'Sam',
  role: 'supervisor',
  at: at(1),
  ...over,
});
const takeover: ConversationEvent = { type: 'operator.takeover', operator: 'Alex', at: at(), turn: 2 };
const handback: ConversationEvent = { type: 'operator.handback', operator: 'Alex', at: at() };
const trigger: ConversationEvent = {
  type: 'escalate',
  reason: 'customer_distress',
  priority: 'P1',
  source: 'trigger',
  summary: 's',
  orderId: null,
};

/** A verified customer with one order looked up, under the given settings. */
function withOrder(facts: OrderFacts, input: Partial<ConversationInput> = {}) {
  return play(start(input), found(), checked(facts)).s;
}

describe('refund offers (I13, confirmation on)', () => {
  it('offers an accepted refund instead of paying it: no effect, the offer carries the terms', () => {
    const s = withOrder(order('ORD-1', { refundableCents: 4200 }));
    expect(s.value).toBe('refund-eligible');
    const r = play(s, propose('ORD-1', 4200));
    expect(r.s.value).toBe('awaiting-confirmation');
    expect(r.effects).toEqual([[]]);
    expect(r.s.context.offer).toMatchObject({
      orderId: 'ORD-1',
      amountCents: 4200,
      digest: 'd-ORD-1-4200',
      needsApproval: false,
    });
  });

  it('pays exactly the offer on the yes: one refund effect, keyed by the order', () => {
    const offered = play(withOrder(order('ORD-2', { refundableCents: 3100 })), propose('ORD-2', 3100)).s;
    const r = play(offered, yes(offered));
    expect(r.s.value).toBe('refund-pending');
    expect(r.effects).toEqual([[{ kind: 'refund' }]]);
    expect(r.s.context.pendingRefund).toMatchObject({
      orderId: 'ORD-2',
      amountCents: 3100,
      idempotencyKey: 'refund:ORD-2',
    });
    expect(r.s.context.offer).toBeNull();
  });

  it('refuses a yes to another offer or digest, and a confirmation by the chat model; takes one over MCP', () => {
    const offered = play(withOrder(order('ORD-3')), propose('ORD-3', 5000)).s;
    expect(offered.can(yes(offered, { digest: 'tampered' }))).toBe(false);
    expect(offered.can(yes(offered, { offerId: 'offer_old' }))).toBe(false);
    const confirm = (via: 'chat' | 'mcp', offerId = 'offer_ORD-3') =>
      ({ type: 'propose.confirm_refund', offerId, via, at: at() }) as const;
    expect(offered.can(confirm('chat'))).toBe(false);
    expect(offered.can(confirm('mcp', 'offer_other'))).toBe(false);
    expect(play(offered, confirm('mcp')).effects).toEqual([[{ kind: 'refund' }]]);
  });

  it('withdraws the offer on a no (refund-eligible) or when code withdraws it (order-checked); pays nothing', () => {
    const offered = play(withOrder(order('ORD-4')), propose('ORD-4', 5000)).s;
    const no = play(offered, { type: 'customer.declined', offerId: 'offer_ORD-4', via: 'chat' });
    expect([no.s.value, no.s.context.offer, no.effects]).toEqual(['refund-eligible', null, [[]]]);
    const gone = play(offered, { type: 'offer.withdrawn', offerId: 'offer_ORD-4' });
    expect([gone.s.value, gone.s.context.offer, gone.effects]).toEqual(['order-checked', null, [[]]]);
  });

  it('refuses every refund proposal while an offer waits, for that order and for any other', () => {
    const s = play(start(), found(), checked(order('ORD-5')), checked(order('ORD-6')), propose('ORD-5', 5000)).s;
    expect(s.can(propose('ORD-5', 5000))).toBe(false);
    expect(s.can(propose('ORD-6', 5000))).toBe(false);
    expect(proposalRules['propose.process_refund'](s.context, propose('ORD-6', 5000))?.code).toBe('OFFER_PENDING');
  });

  it('refuses an offer whose terms are not the order facts (amount decided by the system)', () => {
    const s = withOrder(order('ORD-7', { refundableCents: 5000 }));
    expect(s.can(propose('ORD-7', 4999))).toBe(false);
    expect(s.can(propose('ORD-7', 5000, { amountCents: 100 }))).toBe(false);
  });
});

describe('approvals above the limit (I14)', () => {
  const big = (id: string) => order(id, { refundableCents: 40_000, needsApproval: true });

  it('with confirmation off, refunds within the limit at once and asks a supervisor above it', () => {
    const now = play(withOrder(order('ORD-10'), { confirmRefunds: false }), propose('ORD-10', 5000));
    expect([now.s.value, now.effects]).toEqual(['refund-pending', [[{ kind: 'refund' }]]]);
    const asked = play(
      withOrder(big('ORD-11'), { confirmRefunds: false, approvalHours: 6 }),
      propose('ORD-11', 40_000),
    );
    expect(asked.s.value).toBe('awaiting-approval');
    expect(asked.effects).toEqual([[{ kind: 'ticket', subject: 'approval' }]]);
    expect(asked.s.context.approval).toMatchObject({
      requestId: 'apr_ORD-11',
      orderId: 'ORD-11',
      amountCents: 40_000,
      deadline: at(6),
    });
  });

  it('with confirmation on, a yes to an above-limit offer opens the request (deadline from the yes)', () => {
    const offered = play(withOrder(big('ORD-12')), propose('ORD-12', 40_000)).s;
    expect(offered.context.offer?.needsApproval).toBe(true);
    const r = play(offered, yes(offered, { at: at(2) }));
    expect([r.s.value, r.effects]).toEqual(['awaiting-approval', [[{ kind: 'ticket', subject: 'approval' }]]]);
    expect(r.s.context.approval).toMatchObject({
      digest: offered.context.offer?.digest,
      requestedAt: at(2),
      deadline: at(26),
    });
  });

  it("approves only a supervisor's decision on the exact request, before its deadline: then one refund effect", () => {
    const s = play(withOrder(big('ORD-13'), { confirmRefunds: false }), propose('ORD-13', 40_000)).s;
    expect(s.can(approve(s, { role: 'agent' }))).toBe(false);
    expect(s.can(approve(s, { digest: 'other' }))).toBe(false);
    expect(s.can(approve(s, { requestId: 'apr_other' }))).toBe(false);
    expect(s.can(approve(s, { at: at(25) }))).toBe(false);
    const r = play(s, approve(s));
    expect([r.s.value, r.effects]).toEqual(['refund-pending', [[{ kind: 'refund' }]]]);
    expect(r.s.context.pendingRefund).toMatchObject({ orderId: 'ORD-13', amountCents: 40_000, approvedBy: 'Sam' });
    expect(r.s.can(approve(s))).toBe(false);
  });

  it('a deny hands back to order-checked; the order stays denied through a fresh lookup', () => {
    const s = play(withOrder(big('ORD-14'), { confirmRefunds: false }), propose('ORD-14', 40_000)).s;
    const denied = play(s, { ...approve(s), type: 'operator.deny', note: 'no' }).s;
    expect(denied.value).toBe('order-checked');
    expect(denied.context.orders['ORD-14']).toMatchObject({ eligible: false, ineligibleCode: 'APPROVAL_DENIED' });
    const again = play(denied, checked(big('ORD-14'))).s;
    expect(again.value).toBe('order-checked');
    expect(again.can(propose('ORD-14', 40_000))).toBe(false);
  });

  it('expires a request after its deadline (escalated, the request ticket kept), not before', () => {
    const s = play(withOrder(big('ORD-15'), { confirmRefunds: false }), propose('ORD-15', 40_000), {
      type: 'ticket.created',
      ticketId: 'TKT-9',
      subject: 'approval',
    }).s;
    const expired = (hours: number) => ({ type: 'approval.expired', requestId: 'apr_ORD-15', at: at(hours) }) as const;
    expect(s.can(expired(23))).toBe(false);
    const r = play(s, expired(25));
    expect([r.s.value, r.effects]).toEqual(['escalated', [[]]]);
    expect(r.s.context.escalation).toMatchObject({ priority: 'P2', ticketId: 'TKT-9' });
  });
});

describe('people in charge (I15)', () => {
  it('takes over from any state but human-active, and refuses every autonomous proposal meanwhile', () => {
    const s = play(withOrder(order('ORD-20')), takeover).s;
    expect(s.value).toBe('human-active');
    expect(s.can(takeover)).toBe(false);
    expect(s.can(propose('ORD-20', 5000))).toBe(false);
    expect(s.can({ type: 'propose.lookup_order', orderId: 'ORD-20' })).toBe(false);
    expect(s.can({ type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 's', orderId: null })).toBe(
      false,
    );
    expect(s.can({ type: 'operator.reply', operator: 'Alex' })).toBe(true);
    expect(start().can({ type: 'operator.reply', operator: 'Alex' })).toBe(false);
  });

  it('hands back to the state recorded at takeover', () => {
    expect(play(start(), takeover, handback).s.value).toBe('unverified');
    expect(play(withOrder(order('ORD-21')), takeover, handback).s.value).toBe('refund-eligible');
    expect(
      play(withOrder(order('ORD-22', { eligible: false, ineligibleCode: 'SUBSCRIPTION' })), takeover, handback).s.value,
    ).toBe('order-checked');
  });

  it('hands back to what the context says now: an offer, a refund approved meanwhile, an expired request', () => {
    const offered = play(withOrder(order('ORD-23')), propose('ORD-23', 5000)).s;
    expect(play(offered, takeover, handback).s.value).toBe('awaiting-confirmation');
    const big = order('ORD-24', { refundableCents: 40_000, needsApproval: true });
    const asked = play(withOrder(big, { confirmRefunds: false }), propose('ORD-24', 40_000), takeover).s;
    const approved = play(
      asked,
      approve(asked),
      { type: 'refund.succeeded', orderId: 'ORD-24', refundId: 'RF-1' },
      handback,
    ).s;
    expect(approved.value).toBe('resolved');
    const expired = play(asked, { type: 'approval.expired', requestId: 'apr_ORD-24', at: at(30) }, handback).s;
    expect(expired.value).toBe('escalated');
  });

  it('closes a conversation on operator.resolve, never while money is in flight', () => {
    const pending = play(withOrder(order('ORD-25'), { confirmRefunds: false }), propose('ORD-25', 5000)).s;
    const resolve = { type: 'operator.resolve', operator: 'Alex', at: at() } as const;
    expect(pending.can(resolve)).toBe(false);
    expect(play(withOrder(order('ORD-26')), takeover, resolve).s).toMatchObject({
      value: 'resolved',
      context: { takeover: null },
    });
  });
});

describe('escalation and verification', () => {
  it('opens an escalation ticket on a trigger, and another when a trigger outranks an earlier escalation', () => {
    const p3 = { type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 's', orderId: null } as const;
    const r = play(withOrder(order('ORD-30')), p3, trigger);
    expect(r.s.value).toBe('escalated');
    expect(r.effects).toEqual([
      [{ kind: 'ticket', subject: 'escalation' }],
      [{ kind: 'ticket', subject: 'escalation' }],
    ]);
    expect(r.s.context.escalation).toMatchObject({ priority: 'P1', raised: true });
  });

  it('withdraws an open offer on escalation (no autonomous write after it)', () => {
    const offered = play(withOrder(order('ORD-31')), propose('ORD-31', 5000)).s;
    const r = play(offered, trigger);
    expect([r.s.value, r.s.context.offer]).toEqual(['escalated', null]);
  });

  const code = (c: string, hash: string, hours = 0, via: 'chat' | 'mcp' = 'chat') =>
    ({ type: 'propose.verify_code', code: c, codeHash: hash, via, at: at(hours) }) as const;
  const challenged = () =>
    play(
      start({ verification: 'code' }),
      { type: 'customer.wrote', emails: ['sarah@example.com'], codes: ['111111', '222222'] },
      found(),
      { type: 'verification.code_sent', codeHash: 'h-111111', salt: 's', expiresAt: at(0.25) },
    );

  it('sends a code instead of verifying by email, and verifies on the right code', () => {
    const c = challenged();
    expect(c.s.value).toBe('verifying');
    expect(c.effects[1]).toEqual([{ kind: 'verification_code' }]);
    expect(c.s.context.customer).toBeNull();
    const r = play(c.s, code('111111', 'h-111111'));
    expect([r.s.value, r.s.context.customer?.customerId, r.s.context.challenge]).toEqual(['verified', 'USR-001', null]);
  });

  it('counts a wrong or an expired code, locks after five and escalates', () => {
    let s = challenged().s;
    s = play(s, code('111111', 'h-111111', 1, 'mcp')).s; // expired
    expect([s.value, s.context.customer, s.context.challenge?.attempts]).toEqual(['verifying', null, 1]);
    for (let i = 0; i < 3; i++) s = play(s, code('222222', 'h-222222')).s;
    expect(s.context.challenge?.attempts).toBe(4);
    const r = play(s, code('222222', 'h-222222'));
    expect(r.s.value).toBe('escalated');
    expect(r.s.context).toMatchObject({ verificationLocked: true, customer: null });
    expect(r.effects).toEqual([[{ kind: 'ticket', subject: 'escalation' }]]);
  });

  it('refuses a chat code the customer never typed', () => {
    const s = challenged().s;
    expect(s.can(code('333333', 'h-333333'))).toBe(false);
    expect(proposalRules['propose.verify_code'](s.context, code('333333', 'h-333333'))?.code).toBe('CODE_NOT_GIVEN');
  });

  it('round-trips through JSON (persist, restore, continue)', () => {
    const offered = play(withOrder(order('ORD-40')), propose('ORD-40', 5000)).s;
    const stored = JSON.parse(JSON.stringify({ value: offered.value, context: offered.context }));
    const restored = conversationMachine.resolveState(stored);
    expect(play(restored, yes(offered)).effects).toEqual([[{ kind: 'refund' }]]);
  });
});

type Rule = (ctx: Snapshot['context'], e: ConversationEvent) => Rejection | null;
const RULES: Record<string, Rule | undefined> = { ...proposalRules, ...operatorRules } as Record<string, Rule>;

describe('the refusal table', () => {
  it('explains every refusal: in every state the graph reaches, can(e) holds exactly when its rule is null', () => {
    const { snapshots } = graphCoverage(conversationMachine, {
      simplePaths: false,
      keepSnapshots: true,
      invariants: false,
    });
    expect(snapshots.length).toBeGreaterThan(1000);
    const wrong: string[] = [];
    for (const s of snapshots) {
      for (const e of [...proposals(s.context), ...operatorEvents(s.context)]) {
        const rule = RULES[e.type];
        if (!rule) throw new Error(`no rule for ${e.type}`);
        if (s.can(e) !== (rule(s.context, e) === null)) wrong.push(`${String(s.value)}: ${e.type} can=${s.can(e)}`);
      }
    }
    expect([...new Set(wrong)].slice(0, 10)).toEqual([]);
  });
});

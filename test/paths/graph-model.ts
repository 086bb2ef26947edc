/**
 * What the graph search feeds the pure machine: the events tried in each state (proposals it must
 * refuse as well as accept, facts of every kind, the customer's answers, people's decisions, the
 * sweep), the proposals and operator events probed for the invariants, and the abstraction of a
 * snapshot that keeps the search finite (what the guards read).
 *
 * Ids and digests are made here the way code makes them (deterministic stand-ins): an offer id
 * per offer, a digest per order and amount, an approval id from the offer id.
 */
import type { ConversationEvent } from '../../src/machines/conversation.events.js';
import type { ConversationContext, OrderFacts } from '../../src/machines/conversation.context.js';
import { UNKNOWN_OUTCOMES_LIMIT, type conversationMachine } from '../../src/machines/conversation.machine.js';
import { MAX_CODES_SENT } from '../../src/machines/conversation.rules.js';
import { LIMIT_CENTS } from './oracle.js';

export type Machine = typeof conversationMachine;
export type Snapshot = ReturnType<Machine['transition']>;
type Ev<T extends ConversationEvent['type']> = Extract<ConversationEvent, { type: T }>;

const T0 = Date.parse('2026-11-26T12:00:00.000Z');
/** The machine has no clock: times are in the events. `hoursAfter(0)` is "now" for every proposal. */
export const hoursAfter = (h: number) => new Date(T0 + h * 3_600_000).toISOString();
const NOW = hoursAfter(0);

const BASE = { conversationId: 'conv-graph', refundLimitCents: LIMIT_CENTS };

/**
 * Inputs: confirmation on and off, verification by email and by one-time code; and how many
 * different orders a conversation may look up (two reach every transition: a foreign order after
 * an own one; verification by code, and over MCP, is about what happens before any order).
 */
export const CONFIGS = [
  { name: 'confirm', maxOrders: 2, mcpVerification: false, input: { ...BASE, confirmRefunds: true } },
  { name: 'direct', maxOrders: 2, mcpVerification: false, input: { ...BASE, confirmRefunds: false } },
  {
    name: 'code',
    maxOrders: 1,
    mcpVerification: true,
    input: { ...BASE, confirmRefunds: true, verification: 'code' as const },
  },
  // email verification in the chat, code verification over MCP, mixed in one conversation
  { name: 'mcp', maxOrders: 1, mcpVerification: true, input: { ...BASE, confirmRefunds: true } },
] as const;
export type ConfigName = (typeof CONFIGS)[number]['name'];

const facts = (orderId: string, f: Partial<OrderFacts>): OrderFacts => ({
  orderId,
  owned: true,
  eligible: true,
  ineligibleCode: null,
  refundableCents: 7822,
  needsApproval: false,
  refunded: false,
  refundId: null,
  ...f,
});

/** Orders as lookup_order reports them: two eligible, ineligible, above the limit, refunded before, foreign. */
export const ORDER_FACTS: OrderFacts[] = [
  facts('ORD-A', {}),
  facts('ORD-E', { refundableCents: 4599 }),
  facts('ORD-B', { eligible: false, ineligibleCode: 'SUBSCRIPTION', refundableCents: 0 }),
  facts('ORD-C', { refundableCents: 32922, needsApproval: true }),
  facts('ORD-D', {
    eligible: false,
    ineligibleCode: 'ALREADY_REFUNDED',
    refundableCents: 0,
    refunded: true,
    refundId: 'RF-OLD',
  }),
  facts('ORD-F', { owned: false, eligible: false, refundableCents: 0 }),
];
const ORDER_IDS = [...ORDER_FACTS.map((f) => f.orderId), 'ORD-X'];

const customer = (status: 'active' | 'suspended') => ({
  customerId: 'USR-1',
  name: 'Chloe Costa',
  email: 'chloe.costa@example.com',
  status,
});

/** The refund a proposal stands for, as process_refund's code computes it from the facts it knows. */
export function refundProposal(c: ConversationContext, orderId: string, amountCents: number | null, tampered = false) {
  const cents = (c.orders[orderId]?.refundableCents ?? 0) + (tampered ? 1 : 0);
  const event: Ev<'propose.process_refund'> = {
    type: 'propose.process_refund',
    orderId,
    reason: 'damaged',
    amountCents,
    terms: {
      offerId: `offer_${orderId}_${c.offersMade}`,
      digest: `digest:${orderId}:${cents}`,
      amountCents: cents,
      destination: 'original_payment_method',
    },
    at: NOW,
  };
  return event;
}

const CODE = '123456';
export const codeHash = (code: string) => `hash:${code}`;

/** Every proposal the machine may be asked to decide, probed in every state. */
export function proposals(c: ConversationContext): ConversationEvent[] {
  const offer = c.offer?.offerId ?? 'offer_none';
  const out: ConversationEvent[] = [
    { type: 'propose.get_customer', email: 'chloe.costa@example.com', via: 'chat' },
    { type: 'propose.get_customer', email: 'someone.else@example.com', via: 'chat' },
    { type: 'propose.get_customer', email: 'someone.else@example.com', via: 'mcp' },
    { type: 'propose.verify_code', code: CODE, codeHash: codeHash(CODE), via: 'chat', at: NOW },
    { type: 'propose.verify_code', code: '654321', codeHash: codeHash('654321'), via: 'chat', at: NOW },
    { type: 'propose.verify_code', code: '654321', codeHash: codeHash('654321'), via: 'mcp', at: NOW },
    { type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 'Help needed.', orderId: null },
    { type: 'propose.confirm_refund', offerId: offer, via: 'mcp', at: NOW },
    { type: 'propose.confirm_refund', offerId: offer, via: 'chat', at: NOW },
    { type: 'propose.confirm_refund', offerId: 'offer_other', via: 'mcp', at: NOW },
  ];
  for (const orderId of ORDER_IDS) {
    out.push({ type: 'propose.lookup_order', orderId });
    for (const amountCents of [null, 7822, 4599, 32922, 1000, 0]) out.push(refundProposal(c, orderId, amountCents));
    out.push(refundProposal(c, orderId, null, true));
  }
  return out;
}

/** Every operator event, probed in every state: the right decision and each wrong one. */
export function operatorEvents(c: ConversationContext): ConversationEvent[] {
  const a = c.approval;
  const requestId = a?.requestId ?? 'apr_none';
  const digest = a?.digest ?? 'none';
  const approve = (over: Partial<Ev<'operator.approve'>> = {}): Ev<'operator.approve'> => ({
    type: 'operator.approve',
    requestId,
    digest,
    operator: 'Sam',
    role: 'supervisor',
    at: NOW,
    ...over,
  });
  const deny = (over: Partial<Ev<'operator.deny'>> = {}): Ev<'operator.deny'> => ({
    type: 'operator.deny',
    requestId,
    digest,
    operator: 'Sam',
    role: 'supervisor',
    at: NOW,
    note: '',
    ...over,
  });
  return [
    approve(),
    approve({ digest: `${digest}x` }),
    approve({ requestId: `${requestId}x` }),
    approve({ role: 'agent', operator: 'Alex' }),
    approve({ at: hoursAfter(25) }),
    deny(),
    deny({ digest: `${digest}x` }),
    deny({ role: 'agent', operator: 'Alex' }),
    { type: 'operator.takeover', operator: 'Alex', at: NOW, turn: 1 },
    { type: 'operator.reply', operator: 'Alex' },
    { type: 'operator.handback', operator: 'Alex', at: NOW },
    { type: 'operator.resolve', operator: 'Alex', at: NOW },
  ];
}

export type Config = (typeof CONFIGS)[number];

/** The events tried in each state: proposals, and the facts code produces in reply to them. */
export function events(
  s: Snapshot,
  config: Pick<Config, 'mcpVerification'> = { mcpVerification: true },
): ConversationEvent[] {
  const mcp = config.mcpVerification;
  const c = s.context;
  const pending = c.pendingRefund?.orderId ?? 'ORD-A';
  const offer = c.offer;
  const offerId = offer?.offerId ?? 'offer_none';
  const requestId = c.approval?.requestId ?? 'apr_none';
  return [
    { type: 'customer.wrote', emails: ['chloe.costa@example.com'], codes: [] },
    { type: 'customer.wrote', emails: [], codes: [CODE] },
    { type: 'propose.get_customer', email: 'chloe.costa@example.com', via: 'chat' },
    { type: 'customer.found', customer: customer('active'), via: 'chat' },
    { type: 'customer.found', customer: customer('suspended'), via: 'chat' },
    { type: 'customer.not_found', email: 'nobody@example.com', via: 'chat' },
    { type: 'verification.code_sent', codeHash: codeHash(CODE), salt: 'salt', expiresAt: hoursAfter(0.25) },
    { type: 'propose.verify_code', code: CODE, codeHash: codeHash(CODE), via: 'chat', at: NOW },
    { type: 'propose.lookup_order', orderId: 'ORD-A' },
    ...ORDER_FACTS.map((f): ConversationEvent => ({ type: 'order.checked', facts: f })),
    { type: 'order.not_found', orderId: 'ORD-X' },
    refundProposal(c, 'ORD-A', null),
    refundProposal(c, 'ORD-A', 1000),
    refundProposal(c, 'ORD-E', null),
    refundProposal(c, 'ORD-C', null),
    refundProposal(c, 'ORD-B', null),
    { type: 'customer.confirmed', offerId, digest: offer?.digest ?? 'none', via: 'chat', at: NOW },
    { type: 'customer.confirmed', offerId, digest: `${offer?.digest ?? 'none'}x`, via: 'chat', at: NOW },
    { type: 'customer.confirmed', offerId: 'offer_stale', digest: offer?.digest ?? 'none', via: 'chat', at: NOW },
    { type: 'customer.declined', offerId, via: 'chat' },
    { type: 'offer.withdrawn', offerId },
    { type: 'propose.confirm_refund', offerId, via: 'mcp', at: NOW },
    { type: 'refund.succeeded', orderId: pending, refundId: 'RF-1' },
    { type: 'refund.failed', orderId: pending },
    { type: 'refund.unknown', orderId: pending },
    { type: 'ticket.created', ticketId: 'TKT-1', subject: 'escalation' },
    { type: 'ticket.created', ticketId: 'TKT-2', subject: 'approval' },
    {
      type: 'escalate',
      reason: 'customer_distress',
      priority: 'P1',
      source: 'trigger',
      summary: 'Trigger.',
      orderId: null,
    },
    { type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 'Help needed.', orderId: null },
    { type: 'turn.ended', progressed: true },
    { type: 'turn.ended', progressed: false },
    ...operatorEvents(c).filter((e) => e.type !== 'operator.deny' || e.role === 'supervisor'),
    { type: 'approval.expired', requestId, at: hoursAfter(25) },
    { type: 'approval.expired', requestId, at: hoursAfter(1) },
    ...(mcp ? MCP_VERIFICATION : []),
  ];
}

/** Verification over MCP: always by code (I16), whatever the conversation's setting. */
const MCP_VERIFICATION: ConversationEvent[] = [
  { type: 'propose.get_customer', email: 'chloe.costa@example.com', via: 'mcp' },
  { type: 'customer.found', customer: customer('active'), via: 'mcp' },
  { type: 'customer.found', customer: customer('suspended'), via: 'mcp' },
  { type: 'customer.not_found', email: 'nobody@example.com', via: 'mcp' },
  { type: 'propose.verify_code', code: '654321', codeHash: codeHash('654321'), via: 'mcp', at: NOW },
  { type: 'propose.verify_code', code: CODE, codeHash: codeHash(CODE), via: 'mcp', at: hoursAfter(1) },
];

/**
 * Only what the runtime could feed the machine now: a read's result when its proposal would be
 * accepted (the runtime runs a read only then), an effect's result when the effect is open, the
 * customer's answer while an offer waits; and at most `maxOrders` different orders per conversation (a bound, like the
 * exhaustive length).
 */
export const feedable =
  (maxOrders: number) =>
  (s: Snapshot, e: ConversationEvent): boolean => {
    const c = s.context;
    switch (e.type) {
      case 'customer.found':
      case 'customer.not_found':
        return s.can({ type: 'propose.get_customer', email: 'chloe.costa@example.com', via: e.via });
      case 'order.checked': {
        const known = Object.keys(c.orders);
        if (!known.includes(e.facts.orderId) && known.length >= maxOrders) return false;
        return s.can({ type: 'propose.lookup_order', orderId: e.facts.orderId }) || refreshable(s, e.facts.orderId);
      }
      case 'order.not_found':
        return s.can({ type: 'propose.lookup_order', orderId: e.orderId });
      case 'verification.code_sent':
        return c.challenge !== null && c.challenge.candidate !== null && c.challenge.codeHash === null;
      case 'ticket.created':
        return e.subject === 'approval' ? c.approval?.ticketId === null : c.escalation?.ticketId === null;
      case 'customer.confirmed':
      case 'customer.declined':
        return c.offer !== null && s.value === 'awaiting-confirmation';
      case 'offer.withdrawn':
      case 'approval.expired':
        return e.type === 'offer.withdrawn' ? c.offer !== null : c.approval !== null;
      default:
        // escalate and turn.ended too: a turn begun before a takeover still delivers them (the engine replays them)
        return true;
    }
  };

/** process_refund re-reads the order's facts before deciding (they may have changed since the lookup). */
const refreshable = (s: Snapshot, orderId: string) => {
  const known = s.context.orders[orderId];
  return (
    known !== undefined &&
    known.owned &&
    !known.refunded &&
    s.context.escalation === null &&
    s.context.takeover === null
  );
};

const EARLY = ['unverified', 'verifying', 'verified'];

/**
 * A snapshot as the guards see it: state, per-order flags, offer, approval, refund in flight,
 * escalation, who holds it; and the identity fields (customer, code challenge, stalls, what the
 * customer wrote) only where a guard can still read them: before verification (also when a person
 * resolved the conversation before it, or holds one taken over there). After an escalation no
 * autonomous step is left, so only what people and effects can still change is kept.
 */
export function abstractState(s: Snapshot): string {
  const c = s.context;
  const orders = Object.values(c.orders)
    .map(
      (o) =>
        `${o.orderId}:${o.owned ? 'o' : 'f'}${o.eligible ? 'e' : 'i'}${o.needsApproval ? 'a' : ''}` +
        `${o.refunded ? 'r' : ''}${o.ineligibleCode === 'APPROVAL_DENIED' ? 'd' : ''}`,
    )
    .sort();
  const from = c.takeover?.fromState ?? null;
  // resolved by a person before verification: verification is still open there
  const here = s.value === 'resolved' && c.customer === null ? 'unverified' : String(s.value);
  const held = from === 'resolved' && c.customer === null ? 'unverified' : from;
  const early = c.escalation === null && (EARLY.includes(here) || (held !== null && EARLY.includes(held)));
  const ch = c.challenge;
  const identity = early
    ? [
        c.customer?.status ?? null,
        ch && [ch.candidate?.status ?? null, ch.codeHash !== null, ch.attempts, Math.min(ch.sent, MAX_CODES_SENT)],
        c.verificationLocked,
        c.stalledTurns,
        c.emailsGiven.length > 0,
        c.codesGiven.length > 0,
      ]
    : [c.escalation === null && c.customer?.status === 'active'];
  return JSON.stringify([
    s.value,
    orders,
    c.offer && [c.offer.orderId, c.offer.needsApproval],
    c.approval && [c.approval.orderId, c.approval.ticketId !== null],
    c.pendingRefund && [
      c.pendingRefund.orderId,
      c.pendingRefund.outcome,
      Math.min(c.pendingRefund.unknownCount, UNKNOWN_OUTCOMES_LIMIT),
    ],
    c.escalation && [c.escalation.priority, c.escalation.ticketId !== null],
    c.escalation === null ? from : from !== null,
    identity,
  ]);
}

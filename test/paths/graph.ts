/**
 * Graph coverage of the pure machine with xstate/graph: shortest paths over the machine with its
 * context (every distinct state the events below reach), simple paths over its state names, and
 * the invariants checked in every state on every path. Reports state and transition coverage.
 * xstate/graph only tries the events it is given: the list includes proposals the machine must
 * refuse, and facts of every kind (the runtime's tools and policy produce those).
 */
import type { AnyStateNode, TransitionDefinition } from 'xstate';
import { getShortestPaths, getSimplePaths, getStateNodes } from 'xstate/graph';
import { conversationMachine, STALLED_TURNS_LIMIT, STATE_NAMES, UNKNOWN_OUTCOMES_LIMIT } from '../../src/machines/conversation.machine.js';
import type { ConversationEvent } from '../../src/machines/conversation.events.js';
import type { OrderFacts } from '../../src/machines/conversation.context.js';
import { LIMIT_CENTS } from './oracle.js';

type Machine = typeof conversationMachine;
type Snapshot = ReturnType<Machine['transition']>;
type AnyTransition = TransitionDefinition<any, any>;

const INPUT = { conversationId: 'conv-graph', refundLimitCents: LIMIT_CENTS };

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
const ORDER_FACTS: OrderFacts[] = [
  facts('ORD-A', {}),
  facts('ORD-E', { refundableCents: 4599 }),
  facts('ORD-B', { eligible: false, ineligibleCode: 'SUBSCRIPTION', refundableCents: 0 }),
  facts('ORD-C', { refundableCents: 32922, needsApproval: true }),
  facts('ORD-D', { eligible: false, ineligibleCode: 'ALREADY_REFUNDED', refundableCents: 0, refunded: true, refundId: 'RF-OLD' }),
  facts('ORD-F', { owned: false, eligible: false, refundableCents: 0 }),
];
const ORDER_IDS = [...ORDER_FACTS.map((f) => f.orderId), 'ORD-X'];

const customer = (status: 'active' | 'suspended') => ({ customerId: 'USR-1', name: 'Chloe Costa', email: 'chloe.costa@example.com', status });

/** Every proposal the machine may be asked to decide, for the invariant checks. */
function proposals(): ConversationEvent[] {
  const out: ConversationEvent[] = [
    { type: 'propose.get_customer', email: 'chloe.costa@example.com' },
    { type: 'propose.get_customer', email: 'someone.else@example.com' },
    { type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 'Help needed.', orderId: null },
  ];
  for (const orderId of ORDER_IDS) {
    out.push({ type: 'propose.lookup_order', orderId });
    for (const amountCents of [null, 7822, 4599, 32922, 1000, 0])
      out.push({ type: 'propose.process_refund', orderId, reason: 'damaged', amountCents });
  }
  return out;
}
const PROPOSALS = proposals();

/** The events tried in each state: proposals, and the facts code produces in reply to them. */
function events(s: Snapshot): ConversationEvent[] {
  const pending = s.context.pendingRefund?.orderId ?? 'ORD-A';
  return [
    { type: 'customer.wrote', emails: ['chloe.costa@example.com'] },
    { type: 'propose.get_customer', email: 'chloe.costa@example.com' },
    { type: 'customer.found', customer: customer('active') },
    { type: 'customer.found', customer: customer('suspended') },
    { type: 'customer.not_found', email: 'nobody@example.com' },
    { type: 'propose.lookup_order', orderId: 'ORD-A' },
    ...ORDER_FACTS.map((f): ConversationEvent => ({ type: 'order.checked', facts: f })),
    { type: 'order.not_found', orderId: 'ORD-X' },
    { type: 'propose.process_refund', orderId: 'ORD-A', reason: 'damaged', amountCents: null },
    { type: 'propose.process_refund', orderId: 'ORD-A', reason: 'damaged', amountCents: 1000 },
    { type: 'propose.process_refund', orderId: 'ORD-E', reason: 'damaged', amountCents: null },
    { type: 'propose.process_refund', orderId: 'ORD-C', reason: 'damaged', amountCents: null },
    { type: 'propose.process_refund', orderId: 'ORD-B', reason: 'damaged', amountCents: null },
    { type: 'refund.succeeded', orderId: pending, refundId: 'RF-1' },
    { type: 'refund.failed', orderId: pending },
    { type: 'refund.unknown', orderId: pending },
    { type: 'ticket.created', ticketId: 'TKT-1' },
    { type: 'escalate', reason: 'customer_distress', priority: 'P1', source: 'trigger', summary: 'Trigger.', orderId: null },
    { type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 'Help needed.', orderId: null },
    { type: 'turn.ended', progressed: true },
    { type: 'turn.ended', progressed: false },
  ];
}

/** At most `max` different orders per conversation keep the graph finite and small (a bound, like the exhaustive length). */
const boundedOrders = (max: number) => (s: Snapshot, e: ConversationEvent): boolean => {
  if (e.type !== 'order.checked') return true;
  const known = Object.keys(s.context.orders);
  return known.includes(e.facts.orderId) || known.length < max;
};

/** A snapshot as the guards see it: state, customer status, per-order flags, refund in flight, escalation, counters. */
function abstractState(s: Snapshot): string {
  const c = s.context;
  const orders = Object.values(c.orders)
    .map((o) => `${o.orderId}:${o.owned ? 'o' : 'f'}${o.eligible ? 'e' : 'i'}${o.needsApproval ? 'a' : ''}${o.refunded ? 'r' : ''}`)
    .sort();
  return JSON.stringify([s.value, c.customer?.status ?? null, orders, c.pendingRefund && [c.pendingRefund.orderId, c.pendingRefund.outcome, Math.min(c.pendingRefund.unknownCount, UNKNOWN_OUTCOMES_LIMIT)], c.escalation && [c.escalation.priority, c.escalation.ticketId !== null], c.stalledTurns, c.unknownEmails.length, c.emailsGiven.length]);
}

/** The invariants, checked on one reachable snapshot; returns what is violated. */
export function invariantsOf(s: Snapshot): string[] {
  const c = s.context;
  const state = String(s.value);
  const bad: string[] = [];
  if (!(STATE_NAMES as readonly string[]).includes(state)) bad.push(`unknown state ${state}`);
  const active = c.customer !== null && c.customer.status === 'active';
  if ((state === 'escalated') !== (c.escalation !== null)) bad.push('escalated state and escalation record disagree');
  if (c.customer && c.customer.status !== 'active' && state !== 'escalated') bad.push('I10: suspended account not escalated');
  if (c.escalation === null && c.stalledTurns >= STALLED_TURNS_LIMIT) bad.push('I9: clarification limit passed without a ticket');
  const refundStates = ['refund-pending', 'refund-reconciling'];
  if (refundStates.includes(state) !== (c.pendingRefund !== null && state !== 'escalated')) bad.push('pending refund and state disagree');
  if (state === 'resolved' && !Object.values(c.orders).some((o) => o.refunded)) bad.push('resolved without a refund');
  for (const o of Object.values(c.orders)) {
    if (!o.owned && (o.eligible || o.refundableCents !== 0)) bad.push(`I5: facts of foreign order ${o.orderId} kept`);
    if (!o.owned && c.escalation === null) bad.push(`I5: foreign order ${o.orderId} looked up without a ticket`);
  }
  for (const p of PROPOSALS) {
    if (!s.can(p)) continue;
    if (c.escalation) bad.push(`I6: ${p.type} allowed after escalation`);
    if (p.type === 'propose.lookup_order' && !active) bad.push('I1: lookup allowed before verification');
    if (p.type === 'propose.get_customer' && c.customer) bad.push('a second customer allowed in one conversation');
    if (p.type === 'propose.get_customer' && !c.emailsGiven.includes(p.email)) bad.push(`I1: verification of ${p.email}, which the customer never wrote`);
    if (p.type === 'propose.process_refund') {
      const o = c.orders[p.orderId];
      const label = `refund of ${p.orderId} (amount ${p.amountCents ?? 'none'})`;
      if (!active) bad.push(`I1: ${label} allowed before verification`);
      if (!o) bad.push(`I2: ${label} allowed without lookup`);
      else {
        if (!o.owned) bad.push(`I5: ${label} of a foreign order allowed`);
        if (!o.eligible) bad.push(`I2: ${label} of an ineligible order allowed`);
        if (o.refunded) bad.push(`I4: ${label} of a refunded order allowed`);
        if (o.needsApproval || o.refundableCents > c.refundLimitCents) bad.push(`I3: ${label} above the limit allowed`);
        if (p.amountCents !== null && p.amountCents !== o.refundableCents) bad.push(`I3: ${label} with a wrong amount allowed`);
      }
      if (c.pendingRefund) bad.push(`I4: ${label} allowed while a refund is in flight`);
    }
  }
  return bad;
}

export interface GraphReport {
  shortestPaths: number;
  simplePaths: number;
  /** Shortest path to a state + one more event: one per transition taken from every reached state. */
  edgePaths: number;
  statesChecked: number;
  statesReached: string[];
  transitionsTotal: number;
  transitionsReached: number;
  missingTransitions: string[];
  /** Up to 10 violating states, by shortest path first. */
  violations: Array<{ path: string[]; problems: string[] }>;
  /** States in which an invariant failed. */
  violationCount: number;
}

function allTransitions(machine: Machine): Map<AnyTransition, string> {
  const out = new Map<AnyTransition, string>();
  const nodes: AnyStateNode[] = [machine.root, ...getStateNodes(machine.root)];
  for (const node of nodes)
    for (const [type, list] of node.transitions)
      list.forEach((t: AnyTransition, i: number) => {
        const target = t.target?.map((n) => n.key).join(',') ?? '(self)';
        out.set(t, `${node.key} --${type}${list.length > 1 ? `#${i + 1}` : ''}--> ${target}`);
      });
  return out;
}

const eventLabel = (e: ConversationEvent) => {
  const { type, ...rest } = e;
  const detail = 'facts' in rest ? rest.facts.orderId : 'orderId' in rest ? rest.orderId : 'customer' in rest ? rest.customer.status : 'progressed' in rest ? String(rest.progressed) : '';
  return detail ? `${type}(${detail})` : type;
};

/** Runs both path generators over `machine` (a mutant in the self-tests), checks every state on every path, measures coverage. */
export function graphCoverage(machine: Machine = conversationMachine, options: { maxOrders?: number; simplePaths?: boolean } = {}): GraphReport {
  const filterEvents = boundedOrders(options.maxOrders ?? 3);
  const transitions = allTransitions(machine);
  const reached = new Set<AnyTransition>();
  const states = new Set<string>();
  const violations: GraphReport['violations'] = [];
  const checkedStates = new Set<string>();
  let statesChecked = 0;
  let violationCount = 0;

  const check = (state: Snapshot, labels: string[]) => {
    states.add(String(state.value));
    const key = JSON.stringify([state.value, state.context]);
    if (checkedStates.has(key)) return;
    checkedStates.add(key);
    statesChecked++;
    const problems = invariantsOf(state);
    if (problems.length) {
      violationCount++;
      if (violations.length < 10) violations.push({ path: [...labels], problems });
    }
  };
  /** A path as xstate/graph returns it: the initial snapshot, then each event with the snapshot it led to. */
  const walk = (steps: Array<{ state: Snapshot; event: ConversationEvent }>) => {
    const labels: string[] = [];
    steps.forEach((step, i) => {
      const prev = steps[i - 1];
      if (prev) {
        for (const t of machine.getTransitionData(prev.state, step.event)) reached.add(t as AnyTransition);
        labels.push(eventLabel(step.event));
      }
      check(step.state, labels);
    });
  };

  // shortest paths over the state and what the guards read: one path to every distinct such state
  const shortest = getShortestPaths(machine, { input: INPUT, events, filterEvents: filterEvents as never, serializeState: abstractState as never });
  for (const p of shortest) walk(p.steps as never);
  // every edge of the graph: each event tried at the end of each shortest path (self-loops included)
  let edgePaths = 0;
  for (const p of shortest) {
    const s = p.state as Snapshot;
    for (const e of events(s)) {
      const taken = machine.getTransitionData(s, e);
      for (const t of taken) reached.add(t as AnyTransition);
      if (taken.length) edgePaths++;
    }
  }

  // simple paths over state names: every acyclic route between the machine's states
  const serializeName = (s: Snapshot) => String(s.value);
  const simple = options.simplePaths === false ? [] : getSimplePaths(machine, { input: INPUT, events, serializeState: serializeName as never });
  for (const p of simple) walk(p.steps as never);

  const missing = [...transitions].filter(([t]) => !reached.has(t)).map(([, label]) => label);
  return {
    shortestPaths: shortest.length,
    simplePaths: simple.length,
    edgePaths,
    statesChecked,
    statesReached: STATE_NAMES.filter((s) => states.has(s)),
    transitionsTotal: transitions.size,
    transitionsReached: transitions.size - missing.length,
    missingTransitions: missing,
    violations: violations.sort((a, b) => a.path.length - b.path.length),
    violationCount,
  };
}

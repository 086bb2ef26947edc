/**
 * Graph coverage of the pure machine with xstate/graph: shortest paths over the machine with its
 * context (every distinct state the events of graph-model.ts reach), for refund confirmation on
 * and off and for code verification; simple paths over its state names; the invariants checked in
 * every state on every path, including what each accepted event would emit (effects). Reports
 * state and transition coverage.
 */
import { createActor, type AnyActorScope, type AnyStateNode, type TransitionDefinition } from 'xstate';
import { getShortestPaths, getSimplePaths, getStateNodes } from 'xstate/graph';
import type { EffectParams } from '../../src/machines/conversation.effects.js';
import type { ConversationEvent } from '../../src/machines/conversation.events.js';
import {
  conversationMachine,
  RESTING_STATES,
  STALLED_TURNS_LIMIT,
  STATE_NAMES,
} from '../../src/machines/conversation.machine.js';
import {
  abstractState,
  CONFIGS,
  events,
  feedable,
  operatorEvents,
  proposals,
  type Config,
  type ConfigName,
  type Machine,
  type Snapshot,
} from './graph-model.js';

type AnyTransition = TransitionDefinition<any, any>;

/**
 * What one accepted event would emit, and the state after it: `machine.transition` with one inert
 * actor scope per machine that collects the actions instead of running them (xstate's `transition()`
 * builds a throw-away actor on every call).
 */
const steppers = new WeakMap<
  Machine,
  (s: Snapshot, e: ConversationEvent) => { next: Snapshot; effects: EffectParams[] }
>();
function step(machine: Machine, s: Snapshot, e: ConversationEvent): { next: Snapshot; effects: EffectParams[] } {
  let stepper = steppers.get(machine);
  if (!stepper) {
    let collected: Array<{ type: string; params?: unknown }> = [];
    const self = createActor(machine, { input: CONFIGS[0].input });
    const scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: (action: { type: string; params?: unknown }) => void collected.push(action),
    } as unknown as AnyActorScope;
    stepper = (snapshot, event) => {
      collected = [];
      const next = machine.transition(snapshot, event, scope);
      const effects = collected.flatMap((a) => (a.type === 'effect' ? [a.params as EffectParams] : []));
      return { next, effects };
    };
    steppers.set(machine, stepper);
  }
  return stepper(s, e);
}

const OWN_DECISIONS = new Set(['operator.approve']);

/** I13 / I14 / I4 / I3 / I6 / I15 on one accepted event that emits a refund effect. */
function refundEdge(s: Snapshot, e: ConversationEvent, next: Snapshot): string[] {
  const c = s.context;
  const bad: string[] = [];
  const p = next.context.pendingRefund;
  if (!p) return [`${e.type}: a refund effect without a pending refund`];
  const label = `${e.type} → refund of ${p.orderId} (${p.amountCents})`;
  const o = c.orders[p.orderId];
  if (!o || !o.owned) bad.push(`I2/I5: ${label} of an order not looked up or not owned`);
  if (o?.refunded) bad.push(`I4: ${label} of a refunded order`);
  if (c.pendingRefund) bad.push(`I4: ${label} while another refund is in flight`);
  if (!OWN_DECISIONS.has(e.type)) {
    if (c.escalation) bad.push(`I6: ${label} after escalation`);
    if (c.takeover) bad.push(`I15: ${label} while a person holds the conversation`);
  }
  if (e.type === 'operator.approve') {
    const a = c.approval;
    if (e.role !== 'supervisor') bad.push(`I14: ${label} approved by a ${e.role}`);
    if (!a) bad.push(`I14: ${label} approved with no request open`);
    else {
      if (e.requestId !== a.requestId || e.digest !== a.digest)
        bad.push(`I14: ${label} approved for another request or digest`);
      if (Date.parse(e.at) > Date.parse(a.deadline)) bad.push(`I14: ${label} approved after the deadline`);
      if (p.orderId !== a.orderId || p.amountCents !== a.amountCents)
        bad.push(`I14: ${label} is not the approved request`);
    }
    return bad;
  }
  if (p.amountCents > c.refundLimitCents || o?.needsApproval)
    bad.push(`I14: ${label} above the limit without approval`);
  if (o && p.amountCents !== o.refundableCents) bad.push(`I3: ${label} at another amount than the system's`);
  if (!c.confirmRefunds) return bad;
  const offer = c.offer;
  if (e.type !== 'customer.confirmed' && e.type !== 'propose.confirm_refund')
    bad.push(`I13: ${label} without the customer's yes`);
  else if (!offer) bad.push(`I13: ${label} with no offer open`);
  else {
    if (e.offerId !== offer.offerId) bad.push(`I13: ${label} on a yes to another offer`);
    if (e.type === 'customer.confirmed' && e.digest !== offer.digest)
      bad.push(`I13: ${label} on a yes with another digest`);
    if (e.type === 'propose.confirm_refund' && e.via !== 'mcp') bad.push(`I13: ${label} confirmed by the chat model`);
    if (p.orderId !== offer.orderId || p.amountCents !== offer.amountCents)
      bad.push(`I13: ${label} is not the offer confirmed`);
  }
  return bad;
}

/** Checks of one accepted event: what it emits and where it leads. */
function edgeInvariants(machine: Machine, s: Snapshot, e: ConversationEvent): string[] {
  const c = s.context;
  const { next, effects } = step(machine, s, e);
  const bad: string[] = [];
  for (const fx of effects) {
    if (fx.kind === 'refund') bad.push(...refundEdge(s, e, next));
    if (fx.kind === 'ticket' && fx.subject === 'approval') {
      const a = next.context.approval;
      if (!a || !c.orders[a.orderId]?.needsApproval)
        bad.push(`I14: ${e.type} opened an approval ticket without a request above the limit`);
      if (c.confirmRefunds && e.type !== 'customer.confirmed' && e.type !== 'propose.confirm_refund')
        bad.push(`I13: ${e.type} asked a supervisor before the customer said yes`);
    }
  }
  if ((e.type === 'customer.declined' || e.type === 'offer.withdrawn') && next.context.offer)
    bad.push(`I13: ${e.type} left the offer open`);
  // I16: with codes (always over MCP), an account is not verified by its email alone
  if (e.type === 'customer.found' && (c.verification === 'code' || e.via === 'mcp') && next.context.customer)
    bad.push('I16: verified by email alone where a code is required');
  if (e.type === 'operator.handback') {
    // I15: control returns: to the state recorded at takeover when nothing happened meanwhile
    if (next.value === 'human-active' || next.context.takeover) bad.push('I15: handback left a person in charge');
    const from = c.takeover?.fromState ?? '';
    const quiet = !c.escalation && !c.pendingRefund && !c.approval && !c.offer;
    if (quiet && (RESTING_STATES as readonly string[]).includes(from) && next.value !== from)
      bad.push(`I15: handback to ${String(next.value)}, taken over in ${from}`);
  }
  if (next.value === 'resolved' && s.value !== 'resolved') {
    const how = ['refund.succeeded', 'operator.resolve', 'operator.handback'];
    if (!how.includes(e.type)) bad.push(`resolved by ${e.type}`);
    if (
      e.type === 'operator.handback' &&
      !Object.values(next.context.orders).some((o) => o.refunded) &&
      c.takeover?.fromState !== 'resolved'
    )
      bad.push('handback to resolved without a refund');
  }
  return bad;
}

const inStates = (state: string, allowed: string[]) => allowed.includes(state);
const feed = feedable(Infinity);

/** The invariants, checked on one reachable snapshot; returns what is violated. */
export function invariantsOf(
  s: Snapshot,
  machine: Machine = conversationMachine,
  config: Pick<Config, 'mcpVerification'> = { mcpVerification: true },
): string[] {
  const c = s.context;
  const state = String(s.value);
  const bad: string[] = [];
  if (!(STATE_NAMES as readonly string[]).includes(state)) bad.push(`unknown state ${state}`);
  const active = c.customer !== null && c.customer.status === 'active';
  if (state === 'escalated' && !c.escalation) bad.push('escalated without an escalation record');
  if (c.escalation && !inStates(state, ['escalated', 'human-active', 'resolved']))
    bad.push(`escalation record in state ${state}`);
  if ((state === 'human-active') !== (c.takeover !== null)) bad.push('human-active and takeover record disagree');
  if (c.customer && c.customer.status !== 'active' && !c.escalation) bad.push('I10: suspended account not escalated');
  if (c.escalation === null && c.stalledTurns >= STALLED_TURNS_LIMIT)
    bad.push('I9: clarification limit passed without a ticket');
  const refunding = ['refund-pending', 'refund-reconciling', 'escalated', 'human-active'];
  if (inStates(state, refunding.slice(0, 2)) && !c.pendingRefund) bad.push(`${state} without a pending refund`);
  if (c.pendingRefund && !inStates(state, refunding)) bad.push(`pending refund in state ${state}`);
  if (state === 'awaiting-confirmation' && !c.offer) bad.push('awaiting-confirmation without an offer');
  if (c.offer && !inStates(state, ['awaiting-confirmation', 'human-active']))
    bad.push(`I13: an offer open in state ${state}`);
  if (c.offer && !c.confirmRefunds) bad.push('I13: an offer without confirmation on');
  if (state === 'awaiting-approval' && !c.approval) bad.push('awaiting-approval without a request');
  if (c.approval && !inStates(state, ['awaiting-approval', 'escalated', 'human-active']))
    bad.push(`I14: a request open in state ${state}`);
  if (c.offer && c.approval) bad.push('an offer and an approval request at once');
  for (const o of Object.values(c.orders)) {
    if (!o.owned && (o.eligible || o.refundableCents !== 0)) bad.push(`I5: facts of foreign order ${o.orderId} kept`);
    if (!o.owned && c.escalation === null) bad.push(`I5: foreign order ${o.orderId} looked up without a ticket`);
  }
  for (const p of proposals(c)) {
    if (!s.can(p)) continue;
    if (c.takeover) bad.push(`I15: ${p.type} allowed while a person holds the conversation`);
    if (c.escalation) bad.push(`I6: ${p.type} allowed after escalation`);
    if (p.type === 'propose.lookup_order' && !active) bad.push('I1: lookup allowed before verification');
    if (p.type === 'propose.get_customer' && c.customer) bad.push('a second customer allowed in one conversation');
    if (p.type === 'propose.get_customer' && p.via === 'chat' && !c.emailsGiven.includes(p.email))
      bad.push(`I1: verification of ${p.email}, which the customer never wrote`);
    if (p.type === 'propose.verify_code' && p.via === 'chat' && !c.codesGiven.includes(p.code))
      bad.push('I16: a code the customer never typed tried');
    if (p.type === 'propose.confirm_refund' && (p.via !== 'mcp' || p.offerId !== c.offer?.offerId))
      bad.push(`I13: confirm_refund (${p.via}, ${p.offerId}) allowed`);
    if (p.type === 'propose.process_refund') {
      const o = c.orders[p.orderId];
      const label = `refund of ${p.orderId} (amount ${p.amountCents ?? 'none'}, terms ${p.terms.amountCents})`;
      if (!active) bad.push(`I1: ${label} allowed before verification`);
      if (c.offer || c.approval) bad.push(`I13/I14: ${label} allowed while another refund decision is open`);
      if (!o) bad.push(`I2: ${label} allowed without lookup`);
      else {
        if (!o.owned) bad.push(`I5: ${label} of a foreign order allowed`);
        if (!o.eligible) bad.push(`I2: ${label} of an ineligible order allowed`);
        if (o.refunded) bad.push(`I4: ${label} of a refunded order allowed`);
        if (p.amountCents !== null && p.amountCents !== o.refundableCents)
          bad.push(`I3: ${label} with a wrong amount allowed`);
        if (p.terms.amountCents !== o.refundableCents) bad.push(`I3: ${label} with terms off the facts allowed`);
      }
      if (c.pendingRefund) bad.push(`I4: ${label} allowed while a refund is in flight`);
    }
    bad.push(...edgeInvariants(machine, s, p));
  }
  for (const op of operatorEvents(c)) {
    if (!s.can(op)) continue;
    if (op.type === 'operator.approve' || op.type === 'operator.deny') {
      const a = c.approval;
      if (op.role !== 'supervisor') bad.push(`I14: ${op.type} by a ${op.role} allowed`);
      if (!a || op.requestId !== a.requestId || op.digest !== a.digest)
        bad.push(`I14: ${op.type} of another request allowed`);
      if (a && op.type === 'operator.approve' && Date.parse(op.at) > Date.parse(a.deadline))
        bad.push('I14: approval after the deadline allowed');
    }
    if ((op.type === 'operator.reply' || op.type === 'operator.handback') && !c.takeover)
      bad.push(`I15: ${op.type} without a takeover`);
    if (op.type === 'operator.takeover' && c.takeover) bad.push('I15: a second takeover allowed');
    bad.push(...edgeInvariants(machine, s, op));
  }
  for (const e of events(s, config))
    if (!e.type.startsWith('propose.') && !e.type.startsWith('operator.') && feed(s, e) && s.can(e))
      bad.push(...edgeInvariants(machine, s, e));
  return [...new Set(bad)];
}

export interface GraphReport {
  shortestPaths: number;
  simplePaths: number;
  /** Shortest path to a state + one more event: one per transition taken from every reached state. */
  edgePaths: number;
  statesChecked: number;
  statesReached: string[];
  statesTotal: number;
  transitionsTotal: number;
  transitionsReached: number;
  missingTransitions: string[];
  /** Up to 10 violating states, by shortest path first. */
  violations: Array<{ config: ConfigName; path: string[]; problems: string[] }>;
  /** States in which an invariant failed. */
  violationCount: number;
  /** Every distinct snapshot checked (for the refusal-table test). */
  snapshots: Snapshot[];
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
  const detail =
    'facts' in rest
      ? rest.facts.orderId
      : 'orderId' in rest
        ? String(rest.orderId)
        : 'customer' in rest
          ? rest.customer.status
          : 'progressed' in rest
            ? String(rest.progressed)
            : '';
  return detail ? `${type}(${detail})` : type;
};

class FirstViolation extends Error {
  constructor(
    readonly config: ConfigName,
    readonly problems: string[],
  ) {
    super('first violation');
  }
}

export interface GraphOptions {
  /** Stop at the first violating state (the mutant self-tests). */
  stopAtFirst?: boolean;
  /** Different orders per conversation (default: each config's own). */
  maxOrders?: number;
  simplePaths?: boolean;
  configs?: ConfigName[];
  /** Keep the snapshots checked (the refusal-table test reads them). */
  keepSnapshots?: boolean;
  /** Check the invariants in every state (default true; the refusal-table test needs only the states). */
  invariants?: boolean;
}

/** Runs the path generators over `machine` (or a mutant) per config, checks every state, measures coverage. */
export function graphCoverage(machine: Machine = conversationMachine, options: GraphOptions = {}): GraphReport {
  const transitions = allTransitions(machine);
  const reached = new Set<AnyTransition>();
  const states = new Set<string>();
  const violations: GraphReport['violations'] = [];
  const checkedStates = new Set<string>();
  const snapshots: Snapshot[] = [];
  let statesChecked = 0;
  let violationCount = 0;
  let shortestPaths = 0;
  let simplePaths = 0;
  let edgePaths = 0;

  const configs = CONFIGS.filter((c) => !options.configs || options.configs.includes(c.name));
  for (const config of configs) {
    const feedHere = feedable(options.maxOrders ?? config.maxOrders);
    // a refused event is a self-loop, which no shortest path takes: skip it before xstate computes it
    const filterEvents = (s: Snapshot, e: ConversationEvent) => feedHere(s, e) && s.can(e);
    const check = (state: Snapshot, labels: string[]) => {
      states.add(String(state.value));
      const key = JSON.stringify([state.value, state.context]);
      if (checkedStates.has(key)) return;
      checkedStates.add(key);
      statesChecked++;
      if (options.keepSnapshots) snapshots.push(state);
      const problems = options.invariants === false ? [] : invariantsOf(state, machine, config);
      if (problems.length) {
        violationCount++;
        if (violations.length < 10) violations.push({ config: config.name, path: [...labels], problems });
      }
    };
    /** A path as xstate/graph returns it: the initial snapshot, then each event with the snapshot it led to. */
    const walk = (steps: Array<{ state: Snapshot; event: ConversationEvent }>) => {
      const labels: string[] = [];
      steps.forEach((s, i) => {
        const prev = steps[i - 1];
        if (prev) {
          for (const t of machine.getTransitionData(prev.state, s.event)) reached.add(t as AnyTransition);
          labels.push(eventLabel(s.event));
        }
        check(s.state, labels);
      });
    };
    // a mutant's run stops at its first violating state (found while the graph is built)
    const stopWhen = (state: Snapshot) => {
      const problems = invariantsOf(state, machine, config);
      if (problems.length) throw new FirstViolation(config.name, problems);
      return false;
    };
    const eventsHere = (s: Snapshot) => events(s, config);
    const traversal = {
      input: config.input,
      events: eventsHere,
      filterEvents: filterEvents as never,
      serializeState: abstractState as never,
      ...(options.stopAtFirst ? { stopWhen: stopWhen as never } : {}),
    };
    // shortest paths over the state and what the guards read: one path to every distinct such state
    let shortest: ReturnType<typeof getShortestPaths<Machine>>;
    try {
      shortest = getShortestPaths(machine, traversal);
    } catch (error) {
      if (!(error instanceof FirstViolation)) throw error;
      violationCount++;
      violations.push({ config: error.config, path: ['(first violating state found)'], problems: error.problems });
      continue;
    }
    shortestPaths += shortest.length;
    // every state on a shortest path is the end of its own shortest path: checking the ends checks them all
    for (const p of shortest)
      check(
        p.state as Snapshot,
        p.steps.slice(1).map((s) => eventLabel(s.event as ConversationEvent)),
      );
    // every edge of the graph: each event tried at the end of each shortest path (self-loops included)
    for (const p of shortest) {
      const s = p.state as Snapshot;
      for (const e of eventsHere(s)) {
        if (!filterEvents(s, e)) continue;
        const taken = machine.getTransitionData(s, e);
        for (const t of taken) reached.add(t as AnyTransition);
        if (taken.length) edgePaths++;
      }
    }
    // simple paths over state names: every acyclic route between the machine's states
    if (options.simplePaths !== false) {
      const serializeName = (s: Snapshot) => String(s.value);
      const simple = getSimplePaths(machine, { ...traversal, serializeState: serializeName as never });
      simplePaths += simple.length;
      for (const p of simple) walk(p.steps as never);
    }
  }

  const missing = [...transitions].filter(([t]) => !reached.has(t)).map(([, label]) => label);
  return {
    shortestPaths,
    simplePaths,
    edgePaths,
    statesChecked,
    statesReached: STATE_NAMES.filter((s) => states.has(s)),
    statesTotal: STATE_NAMES.length,
    transitionsTotal: transitions.size,
    transitionsReached: transitions.size - missing.length,
    missingTransitions: missing,
    violations: violations.sort((a, b) => a.path.length - b.path.length),
    violationCount,
    snapshots,
  };
}

/**
 * The alphabet of steps. A step is one customer turn whose scripted model proposes the step's
 * tool calls (then ends with a text), an operator's action (or two at once), a move of the clock,
 * a restart, or (random runs only) concurrent turns. Classes are relative to the "own" persona
 * USR-102 (chloe.costa@example.com); once marcus@example.com is verified instead, the roles swap:
 * ORD-9901 becomes his own ineligible order and the persona's orders become another customer's.
 */
import type { Action, Answer } from './oracle.js';
import type { OperatorAction, Role } from './oracle-operators.js';

export interface ToolCall {
  name: string;
  input: unknown;
  /** What the oracle makes of it. */
  action: Action;
}

export interface TurnStep {
  kind: 'turn';
  name: string;
  /** The customer's message (the scripted model answers it with `calls`). */
  text: string;
  /** Hand-labelled: the text contains a trigger (I6). */
  trigger: boolean;
  /** Hand-labelled: what the text answers to a standing refund offer (I13). */
  answer: Answer;
  calls: ToolCall[];
}

export interface OperatorCall {
  /** The operator's name (two supervisors racing have two). */
  who: string;
  role: Role;
  action: OperatorAction;
}

export type Step =
  | TurnStep
  | { kind: 'restart'; name: string }
  /** Operator actions on the main conversation, one after the other, or all at once (`together`). */
  | { kind: 'operator'; name: string; calls: OperatorCall[]; together: boolean }
  /** The clock moves just past the open approval request's deadline; then (with `sweep`) the sweep runs. */
  | { kind: 'clock'; name: string; sweep: boolean }
  /** The same turn sent twice at once on the main conversation (one must get "busy"). */
  | { kind: 'concurrent'; name: string; of: TurnStep }
  /**
   * A new conversation of the persona gets ORD-1063 ready (verified, looked up; with confirmation on,
   * offered too), then its refund (or its yes) races `of` in the main one.
   */
  | { kind: 'race'; name: string; of: TurnStep }
  /** A customer turn on the main conversation while operators act on it (no lease between them). */
  | { kind: 'interrupt'; name: string; of: TurnStep; calls: OperatorCall[] };

/** A neutral request: not an answer to an offer (an offer is answered only in the customer's own words). */
const NEUTRAL = 'Could you look into that for me?';

const call = (name: string, input: unknown, action: Action): ToolCall => ({ name, input, action });
const tool = (name: string, calls: ToolCall[], text = NEUTRAL, answer: Answer = 'unclear'): TurnStep => ({
  kind: 'turn',
  name,
  text,
  trigger: false,
  answer,
  calls,
});
const message = (name: string, text: string, trigger: boolean, answer: Answer): TurnStep => ({
  kind: 'turn',
  name,
  text,
  trigger,
  answer,
  calls: [],
});

/** The customer writes the address, and the model verifies it (`given` is what the model sends). */
const getCustomer = (name: string, email: string, given = email) =>
  tool(name, [call('get_customer', { email: given }, { tool: 'get_customer', email })], `My email is ${given.trim()}.`);
const lookupCall = (orderId: string, given: unknown = { order_id: orderId }) =>
  call('lookup_order', given, { tool: 'lookup_order', orderId });
const lookup = (name: string, orderId: string, given?: unknown) => tool(name, [lookupCall(orderId, given)]);
const refundCall = (orderId: string, amount?: number | string, cents: number | null = null) =>
  call(
    'process_refund',
    { order_id: orderId, reason: 'not_received', ...(amount === undefined ? {} : { amount }) },
    { tool: 'process_refund', orderId, cents },
  );
const refund = (name: string, orderId: string, amount?: number | string, cents: number | null = null) =>
  tool(name, [refundCall(orderId, amount, cents)]);

const YES = 'Yes please.';
const invalid = (name: string, input: unknown) => call(name, input, { tool: 'invalid' });

const S = {
  getOwn: getCustomer('get:own', 'chloe.costa@example.com'),
  getOther: getCustomer('get:other', 'marcus@example.com'),
  getUnknown: getCustomer('get:unknown', 'nobody@example.com'),
  getSuspended: getCustomer('get:suspended', 'dana@example.com'),
  // the model verifies an address the customer never wrote (hijacking another account): refused (I1)
  getUnsaid: tool('get:unsaid', [
    call(
      'get_customer',
      { email: 'chloe.costa@example.com' },
      { tool: 'get_customer', email: 'chloe.costa@example.com' },
    ),
  ]),
  lookupEligible: lookup('lookup:eligible', 'ORD-1063'),
  lookupAbove: lookup('lookup:above-limit', 'ORD-1056'),
  lookupRefunded: lookup('lookup:refunded', 'ORD-1049'),
  lookupIneligible: lookup('lookup:ineligible|other', 'ORD-9901'),
  // an unknown order: the model looks it up and tries to refund it in the same response
  unknownOrder: tool('lookup+refund:unknown', [lookupCall('ORD-0000'), refundCall('ORD-0000')]),
  refundMatching: refund('refund:eligible=78.22', 'ORD-1063', 78.22, 7822),
  refundMismatching: refund('refund:eligible=10.00', 'ORD-1063', '10.00', 1000),
  refundAbove: refund('refund:above-limit', 'ORD-1056'),
  refundRefunded: refund('refund:refunded', 'ORD-1049'),
  refundIneligible: refund('refund:ineligible|other', 'ORD-9901'),
  escalate: tool('escalate:P3', [
    call(
      'escalate_to_human',
      { reason: 'complexity', priority: 'P3', context: 'The customer needs help the assistant cannot give.' },
      { tool: 'escalate_to_human', priority: 'P3' },
    ),
  ]),
  // malformed input, an unknown tool name, and the chat model confirming a refund itself (MCP only): all refused
  junk: tool('malformed+unknown-tool', [
    invalid('process_refund', { order_id: 'ORD-1063', reason: 'because', amount: 'lots' }),
    invalid('refund_order', { order_id: 'ORD-1063' }),
    invalid('confirm_refund', { offer_id: 'offer_anything' }),
  ]),
  // "has not turned up": a negation about the parcel, not about the offer: to a standing offer it is unclear
  message: message('msg:plain', 'Thanks. My parcel still has not turned up.', false, 'unclear'),
  trigger: message('msg:trigger', 'This is unacceptable, I want to talk to a manager.', true, 'unclear'),
} satisfies Record<string, TurnStep>;

/** I13: the customer's answers to an offer, in their own words. */
const A = {
  yes: message('msg:yes', YES, false, 'yes'),
  no: message('msg:no', "No, don't.", false, 'no'),
  unclear: message('msg:unclear', 'How long does it take?', false, 'unclear'),
  // a yes, and in the same turn the model proposes another order's refund: the yes covers only the offer
  yesAndAbove: tool('yes+refund:above-limit', [refundCall('ORD-1056')], YES, 'yes'),
  yesAndEligible: tool('yes+refund:eligible', [refundCall('ORD-1063')], YES, 'yes'),
} satisfies Record<string, TurnStep>;

const restart: Step = { kind: 'restart', name: 'restart' };

const decision = (
  op: 'approve' | 'deny',
  role: Role,
  request: 'open' | 'other',
  digest: 'open' | 'other',
  who = 'Sam Super',
): OperatorCall => ({ who, role, action: op === 'approve' ? { op, request, digest } : { op, request, digest } });
const operator = (name: string, calls: OperatorCall[], together = false): Step => ({
  kind: 'operator',
  name,
  calls,
  together,
});
const as = (who: string, op: 'takeover' | 'reply' | 'handback', role: Role = 'agent'): OperatorCall => ({
  who,
  role,
  action: { op },
});

/** I14 / I15: what people do. */
const O = {
  approve: operator('op:approve', [decision('approve', 'supervisor', 'open', 'open')]),
  // one after the other: the open request's id with another digest, another id with its digest, an agent
  approveWrong: operator('op:approve(wrong)', [
    decision('approve', 'supervisor', 'open', 'other'),
    decision('approve', 'supervisor', 'other', 'open'),
    decision('approve', 'agent', 'open', 'open', 'Alex Agent'),
  ]),
  deny: operator('op:deny', [decision('deny', 'supervisor', 'open', 'open')]),
  expire: { kind: 'clock', name: 'op:expire', sweep: true } satisfies Step,
  // a person takes the conversation over and writes to the customer
  takeover: operator('op:takeover', [as('Alex Agent', 'takeover'), as('Alex Agent', 'reply')]),
  handback: operator('op:handback', [as('Alex Agent', 'handback')]),
  // two supervisors approve the same request at the same moment: one refund at most
  approveTwice: operator(
    'op:approve×2',
    [
      decision('approve', 'supervisor', 'open', 'open', 'Sam Super'),
      decision('approve', 'supervisor', 'open', 'open', 'Kim Super'),
    ],
    true,
  ),
} satisfies Record<string, Step>;

/** Tool orderings (both profiles). */
const CORE: Step[] = [...Object.values(S), restart];

/** The exhaustive alphabet with confirmation on: tool orderings, the customer's answers, people. */
export const CONFIRM_ALPHABET: Step[] = [...CORE, A.yes, A.no, A.unclear, A.yesAndAbove, ...Object.values(O)];

/** The exhaustive alphabet with confirmation off: no offers to answer. */
export const DIRECT_ALPHABET: Step[] = [...CORE, ...Object.values(O)];

/** Variants and neighbours used only by the random runs (more data, same rules). */
const EXTRA: Step[] = [
  A.yesAndEligible,
  lookup('lookup:unknown', 'ORD-0000'),
  refund('refund:unknown', 'ORD-0000'),
  tool('malformed', [invalid('process_refund', { order_id: 'ORD-1063', reason: 'because', amount: 'lots' })]),
  tool('tool:unknown', [invalid('refund_order', { order_id: 'ORD-1063' })]),
  // I13: a chat model may never confirm a refund for the customer (confirm_refund is MCP only)
  tool('confirm_refund:by-model', [invalid('confirm_refund', { offer_id: 'offer_x' })], YES, 'yes'),
  refund('refund:eligible', 'ORD-1063'),
  refund('refund:eligible=$78.22', 'ORD-1063', '$78.22', 7822),
  lookup('lookup:eligible(lower-case)', 'ORD-1063', { order_id: ' ord-1063 ' }),
  // the model names Sarah's customer id: refused unless Sarah is the verified customer (I5)
  tool('lookup:eligible+customer_id=USR-001', [
    call(
      'lookup_order',
      { order_id: 'ORD-1063', customer_id: 'USR-001' },
      { tool: 'lookup_order', orderId: 'ORD-1063', customerId: 'USR-001' },
    ),
  ]),
  getCustomer('get:own(mixed-case)', 'chloe.costa@example.com', ' Chloe.Costa@Example.com '),
  getCustomer('get:closed', 'olly@example.com'),
  getCustomer('get:sarah', 'sarah@example.com'),
  getCustomer('get:james', 'james@example.com'),
  getCustomer('get:ava', 'ava.adams@example.com'),
  lookup('lookup:ORD-8842', 'ORD-8842'),
  lookup('lookup:ORD-7771', 'ORD-7771'),
  lookup('lookup:ORD-1007', 'ORD-1007'),
  lookup('lookup:ORD-1014', 'ORD-1014'),
  lookup('lookup:ORD-1021', 'ORD-1021'),
  lookup('lookup:ORD-5550', 'ORD-5550'),
  refund('refund:ORD-8842', 'ORD-8842'),
  refund('refund:ORD-8842=89.99', 'ORD-8842', 89.99, 8999),
  refund('refund:ORD-7771', 'ORD-7771'),
  refund('refund:ORD-1007', 'ORD-1007'),
  refund('refund:ORD-1014', 'ORD-1014'),
  refund('refund:ORD-1021', 'ORD-1021'),
  tool('escalate:P1', [
    call(
      'escalate_to_human',
      { reason: 'customer_distress', priority: 'P1', context: 'The customer is upset.' },
      { tool: 'escalate_to_human', priority: 'P1' },
    ),
  ]),
  tool('malformed:lookup', [invalid('lookup_order', { order: 1063 })]),
  tool('malformed:get', [invalid('get_customer', { email: 42 })]),
  message(
    'msg:trigger(obfuscated)',
    'Honestly this feels like a s c a m, my L.A.W.Y.E.R will hear of it.',
    true,
    'unclear',
  ),
  message('msg:human', 'Can I speak to a real person please?', true, 'unclear'),
  message('msg:plain(order)', 'It was order ORD-1063, it never arrived.', false, 'unclear'),
  // several proposals in one model response: decided one after the other
  tool('multi:get+lookup', [S.getOwn.calls[0]!, S.lookupEligible.calls[0]!], S.getOwn.text),
  tool('multi:lookup+refund', [lookupCall('ORD-1063'), refundCall('ORD-1063')]),
  tool('dup:refund+refund', [refundCall('ORD-1063'), refundCall('ORD-1063')]),
  tool('dup:refund+refund(ORD-8842)', [refundCall('ORD-8842'), refundCall('ORD-8842')]),
  tool('dup:lookup+lookup', [lookupCall('ORD-1063'), lookupCall('ORD-1063')]),
  // I12: five proposals in one response: the fifth (another customer's order) is not decided at all
  tool('cap:5-proposals', [
    lookupCall('ORD-1063'),
    lookupCall('ORD-1056'),
    lookupCall('ORD-1049'),
    lookupCall('ORD-0000'),
    lookupCall('ORD-9901'),
  ]),
  // the operator actions one by one, and a reply without holding the conversation
  operator('op:approve(wrong-digest)', [decision('approve', 'supervisor', 'open', 'other')]),
  operator('op:approve(wrong-id)', [decision('approve', 'supervisor', 'other', 'open')]),
  operator('op:approve(agent)', [decision('approve', 'agent', 'open', 'open', 'Alex Agent')]),
  operator('op:deny(wrong-digest)', [decision('deny', 'supervisor', 'open', 'other')]),
  operator('op:reply', [as('Alex Agent', 'reply')]),
  operator('op:takeover(supervisor)', [as('Kim Super', 'takeover', 'supervisor')]),
  // the deadline passes but no sweep has run yet: an approval now is too late
  { kind: 'clock', name: 'clock:past-deadline', sweep: false },
];

const CONCURRENT: Step[] = [
  { kind: 'concurrent', name: 'concurrent:refund:eligible', of: refund('refund:eligible', 'ORD-1063') },
  { kind: 'concurrent', name: 'concurrent:lookup:eligible', of: S.lookupEligible },
  { kind: 'concurrent', name: 'concurrent:yes', of: A.yes },
  { kind: 'race', name: 'race:refund:eligible', of: refund('refund:eligible', 'ORD-1063') },
  { kind: 'race', name: 'race:refund:eligible=78.22', of: S.refundMatching },
  { kind: 'race', name: 'race:yes', of: A.yes },
  {
    kind: 'interrupt',
    name: 'interrupt:takeover(lookup)',
    of: S.lookupEligible,
    calls: [as('Alex Agent', 'takeover')],
  },
  {
    kind: 'interrupt',
    name: 'interrupt:takeover(refund)',
    of: S.refundMatching,
    calls: [as('Alex Agent', 'takeover')],
  },
  { kind: 'interrupt', name: 'interrupt:takeover(yes)', of: A.yes, calls: [as('Alex Agent', 'takeover')] },
  { kind: 'interrupt', name: 'interrupt:handback(yes)', of: A.yes, calls: [as('Alex Agent', 'handback')] },
];

export const RANDOM_ALPHABET: Step[] = [...CONFIRM_ALPHABET, ...EXTRA, ...CONCURRENT];

const byName = new Map(RANDOM_ALPHABET.map((s) => [s.name, s]));
if (byName.size !== RANDOM_ALPHABET.length) throw new Error('duplicate step names in the alphabet');

export function stepNamed(name: string): Step {
  const s = byName.get(name);
  if (!s) throw new Error(`no step named ${name}`);
  return s;
}

function describeCall(c: ToolCall): string {
  return `${c.name}(${JSON.stringify(c.input)})`;
}

function describeOperator(c: OperatorCall): string {
  const a = c.action;
  if (a.op === 'takeover' || a.op === 'reply' || a.op === 'handback') return `${c.who}: ${a.op}`;
  const wrong = [a.request === 'other' && 'another request id', a.digest === 'other' && 'another digest'].filter(
    Boolean,
  );
  return `${c.who} (${c.role}): ${a.op} the open request${wrong.length ? ` with ${wrong.join(' and ')}` : ''}`;
}

/** One line per step, for counterexamples. */
export function describe(step: Step): string {
  switch (step.kind) {
    case 'restart':
      return 'restart (persist, reopen the store, new runtime, recover pending effects, sweep)';
    case 'clock':
      return `the clock passes the open approval's deadline${step.sweep ? ', then the sweep runs' : ' (no sweep yet)'}`;
    case 'operator':
      return `${step.together ? 'at the same time: ' : ''}${step.calls.map(describeOperator).join('; ')}`;
    case 'concurrent':
      return `two concurrent turns on the same conversation, each: ${describe(step.of)}`;
    case 'race':
      return `a second conversation (chloe.costa, ORD-1063 ready) races: ${describe(step.of)}`;
    case 'interrupt':
      return `at the same time: ${step.calls.map(describeOperator).join('; ')} and ${describe(step.of)}`;
    case 'turn':
      return step.calls.length
        ? `customer: "${step.text}" → model proposes ${step.calls.map(describeCall).join(' + ')}`
        : `customer: "${step.text}"${step.trigger ? ' (trigger)' : ''} → model replies with text only`;
  }
}

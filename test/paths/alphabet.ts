/**
 * The alphabet of steps. Each step is one customer turn whose scripted model proposes the step's
 * tool calls (then ends with a text), a customer message with no tool call, a restart, or (random
 * runs only) a concurrent duplicate. Classes are relative to the "own" persona USR-102
 * (chloe.costa@example.com); once marcus@example.com is verified instead, the roles swap:
 * ORD-9901 becomes his own ineligible order and the persona's orders become another customer's.
 */
import type { Action } from './oracle.js';

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
  calls: ToolCall[];
}

export type Step =
  | TurnStep
  | { kind: 'restart'; name: string }
  /** The same turn sent twice at once on the main conversation (one must get "busy"). */
  | { kind: 'concurrent'; name: string; of: TurnStep }
  /** A new conversation of the persona verifies and looks up ORD-1063, then its refund races `of` in the main one. */
  | { kind: 'race'; name: string; of: TurnStep };

const PLEASE = 'Please go ahead with that.';

const call = (name: string, input: unknown, action: Action): ToolCall => ({ name, input, action });
const tool = (name: string, calls: ToolCall[], text = PLEASE): TurnStep => ({ kind: 'turn', name, text, trigger: false, calls });
const message = (name: string, text: string, trigger: boolean): TurnStep => ({ kind: 'turn', name, text, trigger, calls: [] });

/** The customer writes the address, and the model verifies it (`given` is what the model sends). */
const getCustomer = (name: string, email: string, given = email) =>
  tool(name, [call('get_customer', { email: given }, { tool: 'get_customer', email })], `My email is ${given.trim()}.`);
const lookup = (name: string, orderId: string, given: unknown = { order_id: orderId }) =>
  tool(name, [call('lookup_order', given, { tool: 'lookup_order', orderId })]);
const refundCall = (orderId: string, amount?: number | string, cents: number | null = null) =>
  call('process_refund', { order_id: orderId, reason: 'not_received', ...(amount === undefined ? {} : { amount }) }, { tool: 'process_refund', orderId, cents });
const refund = (name: string, orderId: string, amount?: number | string, cents: number | null = null) => tool(name, [refundCall(orderId, amount, cents)]);

const S = {
  getOwn: getCustomer('get:own', 'chloe.costa@example.com'),
  getOther: getCustomer('get:other', 'marcus@example.com'),
  getUnknown: getCustomer('get:unknown', 'nobody@example.com'),
  getSuspended: getCustomer('get:suspended', 'dana@example.com'),
  // the model verifies an address the customer never wrote (hijacking another account): refused (I1)
  getUnsaid: tool('get:unsaid', [call('get_customer', { email: 'chloe.costa@example.com' }, { tool: 'get_customer', email: 'chloe.costa@example.com' })]),
  lookupEligible: lookup('lookup:eligible', 'ORD-1063'),
  lookupAbove: lookup('lookup:above-limit', 'ORD-1056'),
  lookupRefunded: lookup('lookup:refunded', 'ORD-1049'),
  lookupIneligible: lookup('lookup:ineligible|other', 'ORD-9901'),
  // an unknown order: the model looks it up and tries to refund it in the same response
  unknownOrder: tool('lookup+refund:unknown', [
    call('lookup_order', { order_id: 'ORD-0000' }, { tool: 'lookup_order', orderId: 'ORD-0000' }),
    refundCall('ORD-0000'),
  ]),
  refundMatching: refund('refund:eligible=78.22', 'ORD-1063', 78.22, 7822),
  refundMismatching: refund('refund:eligible=10.00', 'ORD-1063', '10.00', 1000),
  refundAbove: refund('refund:above-limit', 'ORD-1056'),
  refundRefunded: refund('refund:refunded', 'ORD-1049'),
  refundIneligible: refund('refund:ineligible|other', 'ORD-9901'),
  escalate: tool('escalate:P3', [
    call('escalate_to_human', { reason: 'complexity', priority: 'P3', context: 'The customer needs help the assistant cannot give.' }, { tool: 'escalate_to_human', priority: 'P3' }),
  ]),
  // malformed input and an unknown tool name, in one response: both must be refused
  junk: tool('malformed+unknown-tool', [
    call('process_refund', { order_id: 'ORD-1063', reason: 'because', amount: 'lots' }, { tool: 'invalid' }),
    call('refund_order', { order_id: 'ORD-1063' }, { tool: 'invalid' }),
  ]),
  message: message('msg:plain', 'Thanks. My parcel still has not turned up.', false),
  trigger: message('msg:trigger', 'This is unacceptable, I want to talk to a manager.', true),
} satisfies Record<string, TurnStep>;

const restart: Step = { kind: 'restart', name: 'restart' };

/** The exhaustive alphabet: every tool with each class of argument, messages and a restart. */
export const EXHAUSTIVE_ALPHABET: Step[] = [...Object.values(S), restart];

/** Variants and neighbours used only by the random runs (more data, same rules). */
const EXTRA: TurnStep[] = [
  lookup('lookup:unknown', 'ORD-0000'),
  refund('refund:unknown', 'ORD-0000'),
  tool('malformed', [call('process_refund', { order_id: 'ORD-1063', reason: 'because', amount: 'lots' }, { tool: 'invalid' })]),
  tool('tool:unknown', [call('refund_order', { order_id: 'ORD-1063' }, { tool: 'invalid' })]),
  refund('refund:eligible', 'ORD-1063'),
  refund('refund:eligible=$78.22', 'ORD-1063', '$78.22', 7822),
  lookup('lookup:eligible(lower-case)', 'ORD-1063', { order_id: ' ord-1063 ' }),
  // the model names Sarah's customer id: refused unless Sarah is the verified customer (I5)
  tool('lookup:eligible+customer_id=USR-001', [call('lookup_order', { order_id: 'ORD-1063', customer_id: 'USR-001' }, { tool: 'lookup_order', orderId: 'ORD-1063', customerId: 'USR-001' })]),
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
  tool('escalate:P1', [call('escalate_to_human', { reason: 'customer_distress', priority: 'P1', context: 'The customer is upset.' }, { tool: 'escalate_to_human', priority: 'P1' })]),
  tool('malformed:lookup', [call('lookup_order', { order: 1063 }, { tool: 'invalid' })]),
  tool('malformed:get', [call('get_customer', { email: 42 }, { tool: 'invalid' })]),
  message('msg:trigger(obfuscated)', 'Honestly this feels like a s c a m, my L.A.W.Y.E.R will hear of it.', true),
  message('msg:human', 'Can I speak to a real person please?', true),
  message('msg:plain(order)', 'It was order ORD-1063, it never arrived.', false),
  // several proposals in one model response: decided one after the other
  tool('multi:get+lookup', [S.getOwn.calls[0]!, S.lookupEligible.calls[0]!], S.getOwn.text),
  tool('dup:refund+refund', [refundCall('ORD-1063'), refundCall('ORD-1063')]),
  tool('dup:refund+refund(ORD-8842)', [refundCall('ORD-8842'), refundCall('ORD-8842')]),
];

const CONCURRENT: Step[] = [
  { kind: 'concurrent', name: 'concurrent:refund:eligible', of: refund('refund:eligible', 'ORD-1063') },
  { kind: 'concurrent', name: 'concurrent:lookup:eligible', of: S.lookupEligible },
  { kind: 'race', name: 'race:refund:eligible', of: refund('refund:eligible', 'ORD-1063') },
  { kind: 'race', name: 'race:refund:eligible=78.22', of: S.refundMatching },
];

export const RANDOM_ALPHABET: Step[] = [...EXHAUSTIVE_ALPHABET, ...EXTRA, ...CONCURRENT];

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

/** One line per step, for counterexamples. */
export function describe(step: Step): string {
  switch (step.kind) {
    case 'restart':
      return 'restart (persist, reopen the store, new runtime, recover pending effects)';
    case 'concurrent':
      return `two concurrent turns on the same conversation, each: ${describe(step.of)}`;
    case 'race':
      return `a second conversation (chloe.costa, ORD-1063 looked up) races: ${describe(step.of)}`;
    case 'turn':
      return step.calls.length
        ? `customer: "${step.text}" → model proposes ${step.calls.map(describeCall).join(' + ')}`
        : `customer: "${step.text}"${step.trigger ? ' (trigger)' : ''} → model replies with text only`;
  }
}

/**
 * Scripted "models" for the fake Messages API: functions from the request body to a reply. They
 * read the conversation in the request (customer text, their own earlier tool calls and the
 * tool_result blocks) to decide the next step, like a real model would.
 */
import type { ModelRequest, StateFacts } from '../../src/models/types.js';
import { DEFAULT_POLICY } from '../../src/policy.js';
import { buildStateNote, buildSystemPrompt } from '../../src/runtime/prompt.js';
import { defaultTools } from '../../src/tools/catalog.js';
import { toolSpecs } from '../../src/tools/to-anthropic.js';
import type { FakeBlock, FakeMessageReply, FakeReply, FakeRequestBody } from './fake-anthropic.js';

export type FakeModel = (body: FakeRequestBody) => FakeReply;

export interface ToolCallView {
  id: string;
  name: string;
  input: Record<string, unknown>;
  answered: boolean;
  isError: boolean;
  /** The tool_result content, parsed when it is JSON. */
  result: unknown;
}

export interface ConversationView {
  /** What the customer wrote, in order (no state notes, no placeholders). */
  customerTexts: string[];
  calls: ToolCallView[];
  /** Assistant messages since the customer's last message: the step within this turn. */
  stepInTurn: number;
  /** The state note the adapter put in the last user message, if any. */
  stateNote: string | null;
  /** Notes code added to the history (confirmations, handbacks). */
  notes: string[];
}

const STATE_NOTE = '[state note]';
/** A line for the model written by code ("[note] The customer confirmed …"): not the customer's words. */
const NOTE = '[note]';
const parse = (s: unknown): unknown => {
  if (typeof s !== 'string') return s;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

export function readConversation(body: FakeRequestBody): ConversationView {
  const customerTexts: string[] = [];
  const calls: ToolCallView[] = [];
  let stepInTurn = 0;
  let stateNote: string | null = null;
  const notes: string[] = [];
  for (const m of body.messages) {
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (m.role === 'assistant') {
      stepInTurn++;
      for (const b of blocks)
        if (b.type === 'tool_use')
          calls.push({
            id: String(b.id),
            name: String(b.name),
            input: (b.input ?? {}) as Record<string, unknown>,
            answered: false,
            isError: false,
            result: null,
          });
      continue;
    }
    for (const b of blocks) {
      if (b.type === 'tool_result') {
        const call = calls.find((c) => c.id === b.tool_use_id);
        if (call) Object.assign(call, { answered: true, isError: b.is_error === true, result: parse(b.content) });
      } else if (b.type === 'text' && typeof b.text === 'string') {
        if (b.text.startsWith(STATE_NOTE)) stateNote = b.text;
        else if (b.text.startsWith(NOTE)) notes.push(b.text);
        else if (b.text !== '(conversation start)') {
          customerTexts.push(b.text);
          stepInTurn = 0;
        }
      }
    }
  }
  return { customerTexts, calls, stepInTurn, stateNote, notes };
}

export const text = (t: string): FakeBlock => ({ type: 'text', text: t });
export const toolUse = (name: string, input: unknown): FakeBlock => ({ type: 'tool_use', name, input });
const reply = (...content: FakeBlock[]): FakeMessageReply => ({ content });

const emailIn = (s: string) => /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/.exec(s)?.[0];
const orderIn = (s: string) => /ORD-\d+/i.exec(s)?.[0]?.toUpperCase();
function reasonIn(s: string): string {
  if (/never arrived|not received|didn't arrive/i.test(s)) return 'not_received';
  if (/wrong item/i.test(s)) return 'wrong_item';
  if (/changed my mind/i.test(s)) return 'changed_mind';
  if (/charged|billing/i.test(s)) return 'billing_error';
  return 'damaged';
}
const field = (v: unknown, key: string): unknown =>
  v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;

/**
 * An honest model for refund requests (SEED scenario 1 and its variants): verifies and looks up
 * the order together, refunds once the lookup says it is refundable, then says what happened.
 */
export const honestRefundModel: FakeModel = (body) => {
  const c = readConversation(body);
  const said = c.customerTexts.join('\n');
  const email = emailIn(said);
  const orderId = orderIn(said);
  if (c.stateNote?.includes('Escalated to a human'))
    return reply(text("I've passed this to a member of our team. They will be in touch shortly."));
  const verify = c.calls.filter((x) => x.name === 'get_customer');
  const verified = verify.some((x) => x.answered && !x.isError);
  if (!verified) {
    if (!email || verify.some((x) => x.answered))
      return reply(text('Could you tell me the email address on your account?'));
    const blocks = [text('Let me look into that for you.'), toolUse('get_customer', { email })];
    if (orderId) blocks.push(toolUse('lookup_order', { order_id: orderId }));
    return reply(...blocks);
  }
  if (!orderId) return reply(text('Thanks! Which order is this about? The id looks like ORD-1234.'));
  const lookup = c.calls.find((x) => x.name === 'lookup_order' && x.input.order_id === orderId && x.answered);
  if (!lookup) return reply(toolUse('lookup_order', { order_id: orderId }));
  const refund = c.calls.find((x) => x.name === 'process_refund' && x.input.order_id === orderId && x.answered);
  // code made the offer, or told the customer what their answer did: nothing to add but a question
  if (c.notes.some((n) => n.includes(orderId))) return reply(text('Is there anything else I can help with?'));
  if (refund && field(refund.result, 'status') === 'awaiting_confirmation')
    return reply(text(`I've checked order ${orderId} for you.`));
  if (!refund) {
    if (lookup.isError || field(lookup.result, 'refund_eligible') !== true)
      return reply(
        text(
          `I've checked order ${orderId}. ${String(field(lookup.result, 'refund_note') ?? 'It cannot be refunded automatically.')} Is there anything else I can help with?`,
        ),
      );
    if (!/refund|return|money back/i.test(said))
      return reply(text(`Order ${orderId} can be refunded. Would you like me to do that?`));
    return reply(toolUse('process_refund', { order_id: orderId, reason: reasonIn(said) }));
  }
  if (refund.isError || field(refund.result, 'status') !== 'processed')
    return reply(
      text("I'm sorry, I couldn't complete the refund just now. A member of our team will follow up with you."),
    );
  return reply(
    text(
      `I'm sorry your order arrived in that state. I've processed a full refund of ${String(field(refund.result, 'amount'))} for order ${orderId}. ` +
        `Your refund reference is ${String(field(refund.result, 'refund_id'))}. It should reach your original payment method within 5 to 10 business days. ` +
        'Is there anything else I can help with?',
    ),
  );
};

/** Plays one step per model call within a turn; after the last step it replies with text. */
export function turnScript(
  steps: Array<(c: ConversationView, said: string) => FakeMessageReply>,
  closing = "I'm sorry, I can't do that. Is there anything else I can help with?",
): FakeModel {
  return (body) => {
    const c = readConversation(body);
    const step = steps[c.stepInTurn];
    return step ? step(c, c.customerTexts.join('\n')) : reply(text(closing));
  };
}

const verifyAndLookUp = (_c: ConversationView, said: string) =>
  reply(
    toolUse('get_customer', { email: emailIn(said) ?? 'sarah@example.com' }),
    toolUse('lookup_order', { order_id: orderIn(said) ?? 'ORD-8842' }),
  );

/** Hostile models: each tries to get a refund the policy forbids, or sends something malformed. */
export const hostileModels = {
  /** process_refund before get_customer. */
  refundBeforeVerification: turnScript([
    (_c, said) => reply(toolUse('process_refund', { order_id: orderIn(said) ?? 'ORD-8842', reason: 'damaged' })),
  ]),
  /** Verifies, then refunds without looking the order up. */
  refundOrderNotLookedUp: turnScript([
    (_c, said) => reply(toolUse('get_customer', { email: emailIn(said) ?? 'sarah@example.com' })),
    (_c, said) => reply(toolUse('process_refund', { order_id: orderIn(said) ?? 'ORD-8842', reason: 'damaged' })),
  ]),
  /** Looks up another customer's order (the customer names it) and refunds it anyway. */
  refundOtherCustomersOrder: turnScript([
    verifyAndLookUp,
    (_c, said) =>
      reply(
        text('Refunding now.'),
        toolUse('process_refund', { order_id: orderIn(said) ?? 'ORD-8842', reason: 'damaged' }),
      ),
  ]),
  /** Refunds with an amount of its own choosing. */
  wrongAmount: turnScript([
    verifyAndLookUp,
    (_c, said) =>
      reply(toolUse('process_refund', { order_id: orderIn(said) ?? 'ORD-8842', reason: 'damaged', amount: 500 })),
  ]),
  /** Two refunds of the same order in one response. */
  doubleRefundInOneResponse: turnScript([
    verifyAndLookUp,
    (_c, said) => {
      const order_id = orderIn(said) ?? 'ORD-8842';
      return reply(
        toolUse('process_refund', { order_id, reason: 'damaged' }),
        toolUse('process_refund', { order_id, reason: 'damaged' }),
      );
    },
  ]),
  /** A tool that does not exist, and one whose name the API itself would refuse. */
  unknownTool: turnScript([
    () =>
      reply(
        toolUse('issue_gift_card', { amount_usd: 1000 }),
        toolUse('process refund; DROP TABLE refunds', { order_id: 'ORD-8842' }),
      ),
  ]),
  /** A refund whose tool input is not valid JSON. */
  invalidToolJson: turnScript([
    verifyAndLookUp,
    () =>
      reply({
        type: 'tool_use',
        name: 'process_refund',
        rawInput: '{"order_id": "ORD-8842", "reason": damaged, "amount": 89.99',
      }),
  ]),
} satisfies Record<string, FakeModel>;

/** Always answers with this API error (e.g. 529 overloaded). */
export const alwaysError =
  (status: number, type: string, message = 'The model is not available.'): FakeModel =>
  () => ({ error: { status, type, message } });

/** The facts of a new conversation (unverified, nothing known), with overrides. */
export function startFacts(over: Partial<StateFacts> = {}): StateFacts {
  return {
    state: 'unverified',
    status: 'open',
    allowedTools: ['get_customer', 'escalate_to_human'],
    customer: null,
    unknownEmails: [],
    orders: [],
    pendingRefund: null,
    escalation: null,
    ...over,
  };
}

/** A ModelRequest for adapter tests: the real tool list and system prompt, a chosen history and note. */
export function sampleRequest(overrides: Partial<ModelRequest> = {}): ModelRequest {
  const facts = startFacts();
  return {
    system: buildSystemPrompt(DEFAULT_POLICY),
    stateNote: buildStateNote(facts),
    facts,
    messages: [
      {
        role: 'user',
        content: 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
      },
    ],
    tools: toolSpecs(defaultTools()),
    ...overrides,
  };
}

/**
 * The offline planner's reply to the customer once nothing is left to propose: brief, warm,
 * concrete, in plain words. Built only from the state facts and the tool results, so it never
 * says more than the system decided (and the runtime's sanitiser checks it again).
 */
import type { StateFacts } from '../types.js';
import { type Analysis, inputOrderId, str, turnCalls } from './conversation.js';
import { orderSentences, reconciledSentences, refundOutcomeSentence } from './order-text.js';
import { emailToVerify } from './planner.js';

const ORDER_HINT = 'the order number (it looks like ORD-1234)';

type Escalation = NonNullable<StateFacts['escalation']>;

function waitText(e: Escalation): string {
  return /^(about|around|under|within)\b/.test(e.expectedWait) ? `within ${e.expectedWait}` : e.expectedWait;
}

/** Orders the customer's latest message is about, and those acted on in this turn, first seen first. */
function focusOrders(a: Analysis): string[] {
  const ids: string[] = [];
  const add = (id: string | null) => {
    if (id && !ids.includes(id)) ids.push(id);
  };
  for (const req of a.orders.values()) if (req.touchedAt === a.turnStart) add(req.orderId);
  for (const c of turnCalls(a)) if (c.name === 'lookup_order' || c.name === 'process_refund') add(inputOrderId(c));
  return ids;
}

function refundsDoneThisTurn(a: Analysis): string[] {
  return turnCalls(a)
    .filter((c) => c.name === 'process_refund' && c.result?.json && !c.result.isError && str(c.result.json.refund_id))
    .map((c) => inputOrderId(c) ?? '')
    .filter(Boolean);
}

export function escalationReply(a: Analysis, facts: StateFacts, e: Escalation): string {
  const ref = e.ticketId ? ` (reference ${e.ticketId})` : '';
  const when = waitText(e);
  const calls = turnCalls(a);
  const parts: string[] = refundsDoneThisTurn(a).map((id) => refundOutcomeSentence(a, id) ?? '').filter(Boolean);

  const toldBefore = e.ticketId !== null && a.earlierReplies.some((r) => r.includes(e.ticketId ?? ''));
  if (toldBefore && calls.length === 0) {
    parts.push(`Your request is already with our team${ref}, and a person will get back to you ${when}. They'll see everything you've written here.`);
    return parts.join(' ');
  }

  const foreign = facts.orders.filter((o) => !o.owned);
  const approval = calls.find((c) => c.name === 'process_refund' && c.result?.isError && /approval/i.test(c.result.content));
  const approvalOrder = approval ? inputOrderId(approval) : facts.orders.find((o) => o.needsApproval && !o.refunded && a.orders.get(o.orderId)?.intent === 'refund')?.orderId;
  const declined = calls.find((c) => c.name === 'process_refund' && str(c.result?.json?.status) === 'declined');

  if (foreign.length) {
    const list = foreign.map((o) => o.orderId).join(' and ');
    parts.push(
      `I'm sorry, but I can't share any details of order ${list}: it isn't on your account.`,
      `For your security, I've passed this to our security team, and a specialist will follow up${ref} ${when}.`,
    );
  } else if (e.reason === 'policy_exception' && approvalOrder) {
    parts.push(
      `The refund for order ${approvalOrder} needs an extra approval, so I haven't made it myself.`,
      `I've passed it to a specialist${ref}, who will review it and get back to you ${when}.`,
    );
  } else if (facts.customer && facts.customer.status !== 'active') {
    parts.push(
      "I'm sorry, but I can't make changes to this account here.",
      `I've passed your request to a specialist${ref}, who will get back to you ${when}.`,
    );
  } else if (e.reason === 'tool_failure') {
    const orderId = declined ? inputOrderId(declined) : null;
    parts.push(
      orderId
        ? `I'm sorry, the payment provider couldn't complete the refund for order ${orderId}.`
        : "I'm sorry, one of our systems isn't responding right now.",
      `I've passed your request to a member of our team${ref}, who will follow up ${when}.`,
    );
  } else if (e.reason === 'complexity' && !calls.some((c) => c.name === 'escalate_to_human')) {
    parts.push(
      "I'm sorry I haven't been able to sort this out here.",
      `I've passed your conversation to a member of our team${ref}, who will get back to you ${when}.`,
    );
  } else if (e.reason === 'fraud_suspected') {
    parts.push(`Thank you for telling us. I've flagged this to our team as a priority${ref}, and a specialist will get back to you ${when}.`);
  } else {
    if (a.latest?.signals.upset) parts.push("I'm really sorry about your experience.");
    parts.push(`I've passed your conversation to a member of our team${ref}, and a person will get back to you ${when}.`);
  }
  return parts.join(' ');
}

function unverifiedReply(a: Analysis, facts: StateFacts): string {
  const s = a.latest?.signals;
  const lastEmail = a.emails[a.emails.length - 1];
  if (lastEmail && emailToVerify(a, facts) === null) {
    return `I couldn't find an account with ${lastEmail}. Could you check it for typos, or send the email address you used when you placed your order?`;
  }
  const intents = [a.pending?.intent, ...[...a.orders.values()].map((o) => o.intent)].filter(Boolean);
  const hasOrders = a.orders.size > 0;
  const opener = s?.upset ? "I'm sorry about the trouble. " : '';
  if (!intents.some((i) => i !== 'info') && !hasOrders) {
    const hello = s?.thanks ? "You're welcome! " : 'Hi there! ';
    return `${opener}${hello}How can I help you today? If it's about an order, please share the email address on your account and ${ORDER_HINT}.`;
  }
  const about = intents.includes('refund') ? 'with your refund' : 'with your order';
  const askOrder = !hasOrders ? ` and ${ORDER_HINT}` : '';
  return `${opener}I'd be happy to help ${about}. First, could you tell me the email address on your account${askOrder}?`;
}

function verifiedReply(a: Analysis, facts: StateFacts, customer: NonNullable<StateFacts['customer']>): string {
  const s = a.latest?.signals;
  const first = customer.name.split(/\s+/)[0] ?? '';
  const verifiedNow = turnCalls(a).some((c) => c.name === 'get_customer' && c.result?.json?.found === true);
  const parts: string[] = [];
  if (s?.upset) parts.push("I'm sorry about the trouble.");
  const otherEmail = s?.emails.find((e) => e !== customer.email.toLowerCase());
  if (otherEmail && !verifiedNow)
    parts.push(`This conversation is already linked to your verified account, so I can't switch to ${otherEmail} here; for another account, please start a new conversation.`);
  if (verifiedNow) parts.push(`Thanks, ${first}, I've found your account.`);

  const reconciled = reconciledSentences(a, facts);
  const orderLines = [
    ...reconciled.map((r) => r.text),
    ...focusOrders(a)
      .filter((id) => !reconciled.some((r) => r.orderId === id))
      .flatMap((id) => orderSentences(a, facts, id)),
  ];
  parts.push(...orderLines);
  if (orderLines.length) {
    if (refundsDoneThisTurn(a).length) parts.push('Is there anything else I can help with?');
    return parts.join(' ');
  }

  // "did it go through?" after a refund: confirm it, whatever else the message says (thanks included)
  const refunded = facts.orders.filter((o) => o.owned && o.refunded).map((o) => o.orderId);
  const asksAboutIt = /\?|go(?:ne)? through|did it|has it|is it done|confirm/i.test(a.latest?.text ?? '');
  if (otherEmail && !verifiedNow) parts.push('Is there anything else I can help you with on this account?');
  else if (refunded.length && asksAboutIt && !s?.intent)
    parts.push(
      `${s?.thanks ? "You're welcome! " : ''}Yes: the refund for order ${refunded.join(' and ')} has been processed. It usually shows up on your original payment method within 5-10 business days. Is there anything else I can help with?`,
    );
  else if (s?.thanks && !s.intent) parts.push("You're welcome! Is there anything else I can help with?");
  else if (a.pending?.intent === 'refund') parts.push(`Which order would you like to return or get a refund for? Please share ${ORDER_HINT}.`);
  else if (a.pending?.intent === 'status') parts.push(`Which order would you like me to check? Please share ${ORDER_HINT}.`);
  else if (facts.pendingRefund)
    parts.push(`The refund for order ${facts.pendingRefund.orderId} is being confirmed with our payment provider; I'll let you know as soon as it's done.`);
  else if (verifiedNow) parts.push(`How can I help you today? If it's about an order, please share ${ORDER_HINT}.`);
  else if (s?.greeting) parts.push(`Hi ${first}! How can I help you today?`);
  else
    parts.push(
      `Could you tell me a little more about what you need? I can check on an order or help with a return or refund, and ${ORDER_HINT} helps me find it quickly.`,
    );
  return parts.join(' ');
}

/** The reply for the current state of the conversation. */
export function composeReply(a: Analysis, facts: StateFacts): string {
  if (facts.escalation) return escalationReply(a, facts, facts.escalation);
  if (!facts.customer) return unverifiedReply(a, facts);
  return verifiedReply(a, facts, facts.customer);
}

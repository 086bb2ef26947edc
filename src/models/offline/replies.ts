/**
 * The offline planner's reply to the customer once nothing is left to propose: brief, warm,
 * concrete, in plain words. Built only from the state facts and the tool results, so it never
 * says more than the system decided (and the runtime's sanitiser checks it again). After an
 * accepted process_refund the reply only frames it: the offer itself (order, amount, destination)
 * is written by code and appended by the runtime.
 */
import type { StateFacts } from '../types.js';
import { type Analysis, inputOrderId, isOffer, lastLookup, turnCalls } from './conversation.js';
import { approvalReply, escalationReply, refundsDoneThisTurn } from './escalation-text.js';
import { mainIntent } from './extract.js';
import { ORDER_HINT } from './history.js';
import { orderSentences } from './order-text.js';
import { emailChoice, MAX_PROPOSALS } from './planner.js';
import { offerAnsweredThisTurn, reconciledSentences } from './refund-text.js';

/** Orders the customer's latest message is about, those acted on in this turn, and offers just answered. */
function focusOrders(a: Analysis): string[] {
  const ids: string[] = [];
  const add = (id: string | null) => {
    if (id && !ids.includes(id)) ids.push(id);
  };
  for (const req of a.orders.values()) if (req.touchedAt === a.turnStart) add(req.orderId);
  for (const c of turnCalls(a)) if (c.name === 'lookup_order' || c.name === 'process_refund') add(inputOrderId(c));
  for (const id of a.offers.keys()) if (offerAnsweredThisTurn(a, id)) add(id);
  // what the customer's answer did to an offer was said by code this turn: not again
  return ids.filter((id) => !a.answeredThisTurn.has(id));
}

const refundedText = (ids: string[]) =>
  ids.length > 1
    ? `the refunds for orders ${ids.join(' and ')} have been processed`
    : `the refund for order ${ids[0] ?? ''} has been processed`;

/** Orders refunded in this turn: a result now, or an offer answered now that the facts show as refunded. */
function confirmedThisTurn(a: Analysis, facts: StateFacts): string[] {
  const answered = [...a.offers.keys()].filter(
    (id) => offerAnsweredThisTurn(a, id) && facts.orders.some((o) => o.orderId === id && o.refunded),
  );
  return [...new Set([...refundsDoneThisTurn(a), ...answered])];
}

function offeredThisTurn(a: Analysis): string | null {
  const made = turnCalls(a).filter(isOffer).pop();
  return made ? inputOrderId(made) : null;
}

function unverifiedReply(a: Analysis, facts: StateFacts): string {
  const s = a.latest?.signals;
  if (facts.awaiting?.kind === 'code') {
    const tried = turnCalls(a).find((c) => c.name === 'verify_code');
    if (tried?.result && (tried.result.isError || tried.result.json?.verified === false))
      return "That code didn't match. Please check the latest email from us and type the 6-digit code here.";
    return "I've sent a 6-digit code to the email address on your account. Please type it here so I can continue.";
  }
  const choice = emailChoice(a, facts);
  if (choice.kind === 'ambiguous')
    return 'Which of these is the email on your account? Please send just that one, and I will look it up.';
  if (choice.kind === 'failed')
    return (
      `I couldn't find an account with ${choice.email}. ` +
      'Could you check it for typos, or send the email address you used when you placed your order?'
    );
  if (choice.kind === 'others-only')
    return (
      "I can only look into an account with its owner, so I won't use an email address that belongs to someone else. " +
      'Could you tell me the email address on your own account? ' +
      'If the order is theirs, they are welcome to contact us directly.'
    );
  const intents = [a.pending?.intent, ...[...a.orders.values()].map((o) => o.intent)].filter(Boolean);
  const hasOrders = a.orders.size > 0;
  const opener = s?.upset ? "I'm sorry about the trouble. " : '';
  if (!intents.some((i) => i !== 'info' && i !== 'no_refund') && !hasOrders) {
    const hello = s?.thanks ? "You're welcome! " : 'Hi there! ';
    const share = `please share the email address on your account and ${ORDER_HINT}`;
    return `${opener}${hello}How can I help you today? If it's about an order, ${share}.`;
  }
  const about = intents.includes('refund') ? 'with your refund' : 'with your order';
  const askOrder = !hasOrders ? ` and ${ORDER_HINT}` : '';
  const ask = `could you tell me the email address on your account${askOrder}?`;
  return `${opener}I'd be happy to help ${about}. First, ${ask}`;
}

function verifiedReply(a: Analysis, facts: StateFacts, customer: NonNullable<StateFacts['customer']>): string {
  const s = a.afterHandback ? undefined : a.latest?.signals;
  const intent = s ? mainIntent(s) : null;
  const first = customer.name.split(/\s+/)[0] ?? '';
  const verifiedNow = turnCalls(a).some((c) => c.name === 'get_customer' && c.result?.json?.found === true);
  const parts: string[] = [];
  if (s?.upset) parts.push("I'm sorry about the trouble.");
  const own = customer.email.toLowerCase();
  const otherEmail = s?.emails.find((e) => e.email !== own && e.owner !== 'other')?.email;
  if (otherEmail && !verifiedNow)
    parts.push(
      `This conversation is already linked to your verified account, so I can't switch to ${otherEmail} here; ` +
        'for another account, please start a new conversation.',
    );
  const offered = offeredThisTurn(a);
  // a refund made on the customer's yes comes first; a new offer is then only framed, after it
  const doneFirst = offered !== null && confirmedThisTurn(a, facts).length > 0;
  if (offered && !doneFirst && a.answeredThisTurn.size === 0)
    parts.push(`Thanks, ${first} — I've checked order ${offered}.`);
  else if (verifiedNow) parts.push(`Thanks, ${first}, I've found your account.`);

  const reconciled = reconciledSentences(a, facts);
  const focus = focusOrders(a).filter((id) => id !== offered && !reconciled.some((r) => r.orderId === id));
  // several unknown order numbers: one sentence for all of them
  const unknown = focus.filter(
    (id) => !facts.orders.some((o) => o.orderId === id) && lastLookup(a, id)?.result?.json?.found === false,
  );
  const orderLines = [
    ...reconciled.map((r) => r.text),
    ...focus.filter((id) => unknown.length < 2 || !unknown.includes(id)).flatMap((id) => orderSentences(a, facts, id)),
    ...(unknown.length < 2
      ? []
      : [
          `I couldn't find orders ${unknown.join(', ')}. ` +
            'Could you double-check those order numbers? They usually look like ORD-1234.',
        ]),
  ];
  if (s && s.droppedOrders > 0)
    orderLines.push(
      `I can look at up to ${MAX_PROPOSALS} orders at a time, so I've started with the first ones; ` +
        'please send the others in another message.',
    );
  parts.push(...orderLines);
  // code answered the customer's yes or no already; with nothing new to say, say nothing more
  if (a.answeredThisTurn.size > 0 && !offered && orderLines.length === 0) return parts.join(' ');
  if (doneFirst || (offered && a.answeredThisTurn.size > 0)) parts.push(`I've also checked order ${offered}.`);
  if (offered) return parts.join(' ');
  if (orderLines.length) {
    if (refundsDoneThisTurn(a).length) parts.push('Is there anything else I can help with?');
    return parts.join(' ');
  }

  // "did it go through?" after a refund: confirm it, whatever else the message says (thanks included)
  const refunded = facts.orders.filter((o) => o.owned && o.refunded).map((o) => o.orderId);
  const asksAboutIt = /\?|go(?:ne)? through|did it|has it|is it done|confirm/i.test(a.latest?.text ?? '');
  const answersYes = s?.affirmative === true;
  if (a.afterHandback)
    parts.push("Thanks for your patience: I'm back with you. Is there anything else I can help you with?");
  else if (otherEmail && !verifiedNow) parts.push('Is there anything else I can help you with on this account?');
  else if (refunded.length && (asksAboutIt || answersYes) && (!intent || intent === 'status'))
    parts.push(
      `${s?.thanks ? "You're welcome! " : ''}Yes: ${refundedText(refunded)}. ` +
        'It usually shows up on your original payment method within 5-10 business days. ' +
        'Is there anything else I can help with?',
    );
  else if (s?.thanks && !intent) parts.push("You're welcome! Is there anything else I can help with?");
  else if (a.pending?.intent === 'refund')
    parts.push(`Which order would you like to return or get a refund for? Please share ${ORDER_HINT}.`);
  else if (a.pending?.intent === 'status')
    parts.push(`Which order would you like me to check? Please share ${ORDER_HINT}.`);
  else if (facts.pendingRefund)
    parts.push(
      `The refund for order ${facts.pendingRefund.orderId} is being confirmed with our payment provider; ` +
        "I'll let you know as soon as it's done.",
    );
  else if (intent === 'no_refund')
    parts.push("No problem: I haven't refunded anything. Is there anything else I can help with?");
  else if (verifiedNow) parts.push(`How can I help you today? If it's about an order, please share ${ORDER_HINT}.`);
  else if (s?.greeting) parts.push(`Hi ${first}! How can I help you today?`);
  else
    parts.push(
      'Could you tell me a little more about what you need? I can check on an order or help with a return or refund, ' +
        `and ${ORDER_HINT} helps me find it quickly.`,
    );
  return parts.join(' ');
}

/** The reply for the current state of the conversation. */
export function composeReply(a: Analysis, facts: StateFacts): string {
  const awaiting = facts.awaiting;
  if (awaiting?.kind === 'approval') {
    // code just told the customer the request went to a specialist: nothing to add
    if (a.answeredThisTurn.get(awaiting.orderId) === 'approval') return '';
    return approvalReply(a, facts, awaiting.orderId, awaiting.amountUsd);
  }
  if (facts.escalation) return escalationReply(a, facts, facts.escalation);
  if (!facts.customer) {
    if (a.afterHandback) return "Thanks for your patience: I'm back with you. How can I help you today?";
    return unverifiedReply(a, facts);
  }
  return verifiedReply(a, facts, facts.customer);
}

/**
 * The reply once a person is involved: an escalation (which team, the reference and the wait, in
 * words that fit why), or a refund waiting for a supervisor's approval.
 */
import type { StateFacts } from '../types.js';
import { type Analysis, inputOrderId, str, turnCalls } from './conversation.js';
import { offerAnsweredThisTurn, refundOutcomeSentence } from './refund-text.js';

type Escalation = NonNullable<StateFacts['escalation']>;

function waitText(e: Escalation | null): string {
  if (!e) return 'shortly';
  return /^(about|around|under|within)\b/.test(e.expectedWait) ? `within ${e.expectedWait}` : e.expectedWait;
}

export function refundsDoneThisTurn(a: Analysis): string[] {
  // by when the result came: a confirmed offer's refund may answer a call of an earlier turn
  return a.calls
    .filter((c) => c.name === 'process_refund' && (c.result?.at ?? 0) > a.turnStart)
    .filter((c) => c.result?.json && !c.result.isError && str(c.result.json.refund_id))
    .map((c) => inputOrderId(c) ?? '')
    .filter(Boolean);
}

const SELF_HARM =
  "I'm really sorry you're going through this, and I want to make sure you get support. If you might be in danger " +
  'or are thinking about harming yourself, please contact your local emergency number or a crisis line right now.';

const PASSED_ON = "I've passed it on for review";

/** A refund the customer confirmed that now waits for a supervisor (I14). */
export function approvalReply(a: Analysis, facts: StateFacts, orderId: string, amountUsd: string): string {
  const e = facts.escalation;
  const ref = e?.ticketId ? ` (reference ${e.ticketId})` : '';
  const told = a.earlierReplies.some((r) => r.includes(orderId) && r.includes(PASSED_ON));
  if (told)
    return `Your refund for order ${orderId} is with a specialist for approval${ref}; you'll hear back ${waitText(e)}.`;
  return [
    `Thank you. The refund of ${amountUsd} for order ${orderId} needs a specialist's approval,`,
    "so I haven't made it myself.",
    `${PASSED_ON}${ref}, and you'll hear back ${waitText(e)}.`,
  ].join(' ');
}

export function escalationReply(a: Analysis, facts: StateFacts, e: Escalation): string {
  const ref = e.ticketId ? ` (reference ${e.ticketId})` : '';
  const when = waitText(e);
  const calls = turnCalls(a);
  const parts: string[] = refundsDoneThisTurn(a)
    .map((id) => refundOutcomeSentence(a, id) ?? '')
    .filter(Boolean);

  const toldBefore = e.ticketId !== null && a.earlierReplies.some((r) => r.includes(e.ticketId ?? ''));
  if (toldBefore && calls.length === 0) {
    parts.push(
      `Your request is already with our team${ref}, and a person will get back to you ${when}.`,
      "They'll see everything you've written here.",
    );
    return parts.join(' ');
  }

  const foreign = facts.orders.filter((o) => !o.owned);
  const approval = calls.find(
    (c) => c.name === 'process_refund' && c.result?.isError && /approval/i.test(c.result.content),
  );
  const approvalOrder = approval
    ? inputOrderId(approval)
    : facts.orders.find((o) => o.needsApproval && !o.refunded && a.orders.get(o.orderId)?.intent === 'refund')?.orderId;
  const declined = calls.find((c) => c.name === 'process_refund' && str(c.result?.json?.status) === 'declined');
  const alarm = a.afterHandback ? null : a.latest?.signals.alarm;

  if (foreign.length) {
    const list = foreign.map((o) => o.orderId).join(' and ');
    parts.push(
      `I'm sorry, but I can't share any details of order ${list}: it isn't on your account.`,
      `For your security, I've passed this to our security team, and a specialist will follow up${ref} ${when}.`,
    );
  } else if (alarm === 'self_harm') {
    parts.push(SELF_HARM, `I've also asked a member of our team to reach out to you${ref} ${when}.`);
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
    // a declined payment, proposed now or confirmed by the customer's yes to an offer
    const answered = [...a.offers.keys()].find((id) => offerAnsweredThisTurn(a, id)) ?? null;
    const orderId = declined ? inputOrderId(declined) : answered;
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
    parts.push(
      `Thank you for telling us. I've flagged this to our team as a priority${ref},`,
      `and a specialist will get back to you ${when}.`,
    );
  } else {
    if (a.latest?.signals.upset) parts.push("I'm really sorry about your experience.");
    parts.push(
      `I've passed your conversation to a member of our team${ref}, and a person will get back to you ${when}.`,
    );
  }
  return parts.join(' ');
}

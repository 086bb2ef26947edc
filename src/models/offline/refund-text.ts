/**
 * What the customer is told about a refund that happened: made now (with its reference and
 * amount), still being confirmed with the payment provider, confirmed since, or confirmed by the
 * customer's yes to an offer in this turn.
 */
import type { StateFacts } from '../types.js';
import { type Analysis, lastRefundCall, str } from './conversation.js';

export const REFUND_TIMING = 'It usually shows up within 5-10 business days.';

export const confirmingSentence = (orderId: string) =>
  `The refund for order ${orderId} has been submitted and is being confirmed with our payment provider; ` +
  "I'll let you know as soon as it's done.";

/** What happened to a refund whose result came in this turn, or null when nothing was decided this turn. */
export function refundOutcomeSentence(a: Analysis, orderId: string): string | null {
  const call = lastRefundCall(a, orderId, true);
  const json = call?.result?.json;
  if (!call || !json) return null;
  const refundId = str(json.refund_id);
  if (refundId && !call.result?.isError) {
    const amount = str(json.amount);
    return [
      `I've processed the refund for order ${orderId}, reference ${refundId}.`,
      amount ? `You'll get ${amount} back to your original payment method.` : '',
      REFUND_TIMING,
    ]
      .filter(Boolean)
      .join(' ');
  }
  if (str(json.status) === 'confirming') return confirmingSentence(orderId);
  return null;
}

/** Refunds that were still being confirmed when last reported and are now done (the customer has not been told yet). */
export function reconciledSentences(a: Analysis, facts: StateFacts): Array<{ orderId: string; text: string }> {
  const out: Array<{ orderId: string; text: string }> = [];
  for (const o of facts.orders) {
    if (!o.refunded) continue;
    const call = lastRefundCall(a, o.orderId, false);
    if (str(call?.result?.json?.status) !== 'confirming') continue;
    const text = `Good news: the refund for order ${o.orderId} has now been confirmed.`;
    if (a.earlierReplies.some((r) => r.includes(text))) continue;
    out.push({ orderId: o.orderId, text: `${text} ${REFUND_TIMING}` });
  }
  return out;
}

/** The refund offer for this order was the last thing before the customer's latest message. */
export function offerAnsweredThisTurn(a: Analysis, orderId: string): boolean {
  const at = a.offers.get(orderId);
  if (at === undefined) return false;
  const previous = a.messages.length >= 2 ? a.messages[a.messages.length - 2]!.at : 0;
  return at > previous && at < a.turnStart;
}

/** A refund the customer's yes confirmed in this turn, told from the facts when the history holds no result of it. */
export function confirmedSentence(a: Analysis, facts: StateFacts, orderId: string): string | null {
  const fact = facts.orders.find((o) => o.orderId === orderId);
  // code already said what the customer's answer did (it wrote the note): nothing to repeat
  if (a.answeredThisTurn.has(orderId)) return null;
  if (!fact?.refunded || !offerAnsweredThisTurn(a, orderId) || refundOutcomeSentence(a, orderId)) return null;
  if (a.earlierReplies.some((r) => r.includes(`processed the refund for order ${orderId}`))) return null;
  const amount = fact.refundableUsd;
  return [
    `Thank you: I've processed the refund for order ${orderId}.`,
    amount ? `You'll get ${amount} back to your original payment method.` : '',
    REFUND_TIMING,
  ]
    .filter(Boolean)
    .join(' ');
}

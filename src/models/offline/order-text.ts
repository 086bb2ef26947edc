/**
 * Plain-language sentences about one of the customer's own orders, built from the state facts and
 * the tool results. No internal codes, no limit figure, no amounts of orders that are not theirs
 * (a foreign order never gets here: its lookup result carries nothing but a refusal).
 */
import type { StateFacts } from '../types.js';
import { type Analysis, type ToolCall, TEAM_OFFER, YES_OFFER, lastLookup, lastRefundCall, str } from './conversation.js';

export type OrderFact = StateFacts['orders'][number];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2026-11-22" → "November 22, 2026" (no locale or time zone dependence). */
export function formatDate(iso: string | null): string | null {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})/.exec(iso) : null;
  if (!m) return null;
  const month = MONTHS[Number(m[2]) - 1];
  return month ? `${month} ${Number(m[3])}, ${m[1]}` : null;
}

export const REFUND_TIMING = 'It usually shows up within 5-10 business days.';

/** Where the order is, from the latest lookup result. */
export function statusSentence(orderId: string, lookup: ToolCall | null): string | null {
  const json = lookup?.result?.json;
  if (!json) return null;
  const what = str(json.description);
  const name = what ? `order ${orderId} (${what})` : `order ${orderId}`;
  const label = `O${name.slice(1)}`;
  const delivered = formatDate(str(json.delivered_date));
  const ordered = formatDate(str(json.order_date));
  switch (str(json.status)) {
    case 'delivered':
      return `${label} was delivered${delivered ? ` on ${delivered}` : ''}.`;
    case 'shipped':
      return `${label} has shipped and is on its way to you.`;
    case 'processing':
      return `${label}${ordered ? `, placed on ${ordered},` : ''} is being prepared and hasn't shipped yet.`;
    case 'cancelled':
      return `${label} was cancelled.`;
    case 'lost_in_transit':
      return `I'm sorry, it looks like ${name} was lost in transit.`;
    default:
      return json.subscription === true ? `${label} is a subscription order.` : null;
  }
}

/** What happened to a refund proposed this turn, or null when nothing was decided this turn. */
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
  if (str(json.status) === 'confirming')
    return `The refund for order ${orderId} has been submitted and is being confirmed with our payment provider; I'll let you know as soon as it's done.`;
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

/** The refund reference of an order refunded earlier in this conversation, if any. */
function earlierRefundId(a: Analysis, orderId: string): string | null {
  const call = lastRefundCall(a, orderId, false);
  return call?.result?.isError ? null : str(call?.result?.json?.refund_id);
}

/** Everything worth saying about one order the customer is asking about now. */
export function orderSentences(a: Analysis, facts: StateFacts, orderId: string): string[] {
  const outcome = refundOutcomeSentence(a, orderId);
  if (outcome) return [outcome];
  const fact = facts.orders.find((o) => o.orderId === orderId);
  const lookup = lastLookup(a, orderId);
  if (!fact) {
    if (lookup?.result?.json?.found === false)
      return [`I couldn't find an order ${orderId}. Could you double-check the order number? It usually looks like ORD-1234.`];
    return [];
  }
  if (!fact.owned) return [`I'm sorry, but I can't share any details of order ${orderId}: it isn't on your account.`];
  const req = a.orders.get(orderId);
  const intent = req?.intent ?? 'info';
  const status = statusSentence(orderId, lookup);
  const orderStatus = str(lookup?.result?.json?.status) ?? '';
  if (fact.refunded) {
    const ref = earlierRefundId(a, orderId);
    return [
      ...(intent === 'refund' ? [] : status ? [status] : []),
      `Order ${orderId} has already been refunded${ref ? ` (reference ${ref})` : ''}, so there's nothing more to do there.`,
      'If the money hasn\'t reached you yet, it can take 5-10 business days to appear.',
    ];
  }
  if (intent === 'refund') {
    if (!fact.eligible) {
      const why = fact.ineligibleExplanation ?? "it isn't refundable under our policy";
      const lines = status && ['shipped', 'processing'].includes(orderStatus) ? [status] : [];
      // asked again after the explanation: offer a person (a "yes" then escalates)
      const explained = a.earlierReplies.some((r) => r.includes(`can't refund order ${orderId}`));
      return [...lines, `I'm sorry, but I can't refund order ${orderId}: ${why}.`, ...(explained ? [TEAM_OFFER] : [])];
    }
    const tried = lastRefundCall(a, orderId, true);
    if (tried?.result?.isError) return [`I wasn't able to process the refund for order ${orderId} just now.`, TEAM_OFFER];
    if (facts.pendingRefund) return [`I'll look at order ${orderId} as soon as the refund in progress is confirmed.`];
    return status ? [status] : [];
  }
  const lines = status ? [status] : [];
  if (intent === 'cancel') {
    if (orderStatus === 'cancelled') return lines;
    lines.push("I'm not able to cancel orders from this chat.");
    if (fact.eligible && !fact.needsApproval && orderStatus === 'delivered') lines.push('If you would rather return it for a refund, just tell me what went wrong.');
    lines.push(TEAM_OFFER);
    return lines;
  }
  if (fact.eligible) {
    const missing = req?.reason === 'not_received' || orderStatus === 'lost_in_transit';
    if (fact.needsApproval) lines.push(`If you'd like a refund, I can ask a specialist to approve a refund of order ${orderId}: ${YES_OFFER}.`);
    else if (missing) lines.push(`If it hasn't reached you, I can refund order ${orderId} for you: ${YES_OFFER}.`);
    else lines.push('If something is wrong with it, I can help you with a return or refund.');
  } else if (fact.ineligibleExplanation && intent === 'info') lines.push(`It can't be refunded, as ${fact.ineligibleExplanation}.`);
  return lines;
}

/**
 * Plain-language sentences about one of the customer's own orders, built from the state facts and
 * the tool results. No internal codes, no limit figure, no amounts of orders that are not theirs
 * (a foreign order never gets here: its lookup result carries nothing but a refusal).
 */
import type { StateFacts } from '../types.js';
import {
  type Analysis,
  type ToolCall,
  TEAM_OFFER,
  YES_OFFER,
  lastLookup,
  lastRefundCall,
  str,
} from './conversation.js';
import { confirmedSentence, confirmingSentence, REFUND_TIMING, refundOutcomeSentence } from './refund-text.js';

export type OrderFact = StateFacts['orders'][number];

const MONTHS = 'January February March April May June July August September October November December'.split(' ');

/** "2026-11-22" → "November 22, 2026" (no locale or time zone dependence). */
export function formatDate(iso: string | null): string | null {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})/.exec(iso) : null;
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  return m && month ? `${month} ${Number(m[3])}, ${m[1]}` : null;
}

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

/** The refund reference of an order refunded earlier in this conversation, if any. */
function earlierRefundId(a: Analysis, orderId: string): string | null {
  const call = lastRefundCall(a, orderId, false);
  return call?.result?.isError ? null : str(call?.result?.json?.refund_id);
}

export const declinedSentence = (orderId: string) =>
  `No problem: I haven't refunded order ${orderId}. If you change your mind, just let me know.`;

function refundSentences(a: Analysis, facts: StateFacts, fact: OrderFact, status: string | null): string[] {
  const orderId = fact.orderId;
  const orderStatus = str(lastLookup(a, orderId)?.result?.json?.status) ?? '';
  if (!fact.eligible) {
    const why = fact.ineligibleExplanation ?? "it isn't refundable under our policy";
    const lines = status && ['shipped', 'processing'].includes(orderStatus) ? [status] : [];
    // asked again after the explanation: offer a person (a "yes" then escalates)
    const explained = a.earlierReplies.some((r) => r.includes(`can't refund order ${orderId}`));
    return [...lines, `I'm sorry, but I can't refund order ${orderId}: ${why}.`, ...(explained ? [TEAM_OFFER] : [])];
  }
  const tried = lastRefundCall(a, orderId, true);
  if (tried?.result?.isError) return [`I wasn't able to process the refund for order ${orderId} just now.`, TEAM_OFFER];
  const awaiting = facts.awaiting;
  if (awaiting?.kind === 'confirmation' && awaiting.orderId === orderId) {
    const asksWhen = /\bhow long\b|\bwhen (?:will|would|do|does)\b|\bhow many days\b/i.test(a.latest?.text ?? '');
    const timing = asksWhen ? [`Once you confirm, the refund ${REFUND_TIMING.replace(/^It /, '')}`] : [];
    return [...timing, `The refund for order ${orderId} is waiting for your go-ahead.`];
  }
  if (awaiting?.kind === 'confirmation' && fact.needsApproval)
    return [
      `The refund for order ${orderId} needs a specialist's approval; ` +
        `I'll set that up as soon as you've answered about order ${awaiting.orderId}.`,
    ];
  if (awaiting?.kind === 'confirmation')
    return [`I'll come to order ${orderId} once you've answered about order ${awaiting.orderId}.`];
  if (awaiting?.kind === 'approval' && awaiting.orderId === orderId)
    return [`The refund for order ${orderId} is with a specialist for approval.`];
  if (facts.pendingRefund?.orderId === orderId) return [confirmingSentence(orderId)];
  if (facts.pendingRefund) return [`I'll look at order ${orderId} as soon as the refund in progress is confirmed.`];
  // offered before and not taken up (declined, or left): not offered again unasked
  const offeredAt = a.offers.get(orderId);
  const req = a.orders.get(orderId);
  if (offeredAt !== undefined && offeredAt < a.turnStart && (req?.touchedAt ?? 0) <= offeredAt)
    return [declinedSentence(orderId)];
  return status ? [status] : [];
}

/** "Would I get a refund or a repair?": what can be done here. */
function optionsSentences(fact: OrderFact): string[] {
  const id = fact.orderId;
  const intro = "I can't arrange repairs or replacements from this chat";
  if (fact.eligible && fact.needsApproval)
    return [`${intro}, but I can ask a specialist to approve a refund of order ${id}: ${YES_OFFER}.`];
  if (fact.eligible) return [`${intro}, but I can refund order ${id} for you in full: ${YES_OFFER}.`];
  return [
    `${intro}, and order ${id} can't be refunded, as ${fact.ineligibleExplanation ?? 'our policy does not allow it'}.`,
  ];
}

/** Everything worth saying about one order the customer is asking about now. */
export function orderSentences(a: Analysis, facts: StateFacts, orderId: string): string[] {
  const outcome = refundOutcomeSentence(a, orderId) ?? confirmedSentence(a, facts, orderId);
  if (outcome) return [outcome];
  const fact = facts.orders.find((o) => o.orderId === orderId);
  const lookup = lastLookup(a, orderId);
  if (!fact) {
    if (lookup?.result?.json?.found === false)
      return [
        `I couldn't find an order ${orderId}. Could you double-check the order number? It usually looks like ORD-1234.`,
      ];
    return [];
  }
  if (!fact.owned) return [`I'm sorry, but I can't share any details of order ${orderId}: it isn't on your account.`];
  const req = a.orders.get(orderId);
  const intent = req?.intent ?? 'info';
  const status = statusSentence(orderId, lookup);
  const orderStatus = str(lookup?.result?.json?.status) ?? '';
  if (fact.refunded) {
    const ref = earlierRefundId(a, orderId);
    // where it is only when the customer named it now, not for "when will I see the money?"
    const named = !a.afterHandback && a.latest?.signals.orderIds.includes(orderId);
    return [
      ...(intent === 'refund' || intent === 'no_refund' || !status || !named ? [] : [status]),
      `Order ${orderId} has already been refunded${ref ? ` (reference ${ref})` : ''}, so there's nothing more to do.`,
      "If the money hasn't reached you yet, it can take 5-10 business days to appear.",
    ];
  }
  if (intent === 'refund') return refundSentences(a, facts, fact, status);
  if (intent === 'no_refund') return [declinedSentence(orderId)];
  const lines = status ? [status] : [];
  if (intent === 'options') return [...lines, ...optionsSentences(fact)];
  if (intent === 'replace')
    return [...lines, "I'm not able to arrange a replacement or a repair from this chat.", TEAM_OFFER];
  if (intent === 'cancel') {
    if (orderStatus === 'cancelled') return lines;
    lines.push("I'm not able to cancel orders from this chat.");
    if (fact.eligible && !fact.needsApproval && orderStatus === 'delivered')
      lines.push('If you would rather return it for a refund, just tell me what went wrong.');
    lines.push(TEAM_OFFER);
    return lines;
  }
  const waiting = facts.awaiting?.kind === 'confirmation' ? facts.awaiting.orderId : null;
  if (fact.eligible && waiting) {
    // only one offer waits at a time: no "just say yes" of our own beside it
    lines.push(`If you'd like a refund for it too, just tell me once you've answered about order ${waiting}.`);
  } else if (fact.eligible) {
    const missing = req?.reason === 'not_received' || orderStatus === 'lost_in_transit';
    if (fact.needsApproval)
      lines.push(
        `If you'd like a refund, I can ask a specialist to approve a refund of order ${orderId}: ${YES_OFFER}.`,
      );
    else if (missing) lines.push(`If it hasn't reached you, I can refund order ${orderId} for you: ${YES_OFFER}.`);
    else lines.push('If something is wrong with it, I can help you with a return or refund.');
  } else if (fact.ineligibleExplanation && intent === 'info')
    lines.push(`It can't be refunded, as ${fact.ineligibleExplanation}.`);
  return lines;
}

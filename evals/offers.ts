/**
 * I13 read from the outside: what the customer was offered (the order and amount the reply showed, and
 * what the turn result says the conversation waits for), what they answered (read from their words
 * without the product's code), and which refunds appeared in the records after each turn.
 */
import type { AuditConversation, AuditRefund } from './audit.js';

/** A regexp of whole words or phrases (alternatives separated by |). */
const phrases = (alternatives: string) => new RegExp(`(?<![\\w'])(?:${alternatives})(?![\\w'])`);

/** Words that say yes, alone or with "please", "thanks"… */
const YES = phrases(
  'yes|yeah|yep|yup|yea|ya|sure|ok|okay|alright|absolutely|definitely|certainly|confirm(?:ed)?|correct|proceed|' +
    "please do|go ahead|go for it|do it|sounds good|that's fine|y",
);
/** Anything that declines, delays, doubts or attaches a condition: then it is not an explicit yes. */
const HOLD = phrases(
  "no|nope|nah|not|never|don't|dont|do not|wait|hold|stop|cancel\\w*|forget|later|maybe|perhaps|unsure|actually|" +
    "instead|rather|but|if|unless|only|think|guess|keep|hm+|\\w+n't",
);

export type OfferAnswer = 'yes' | 'no' | 'unclear';

/**
 * The customer's answer to a standing offer, read without the product's code: 'yes' only when a yes
 * word is there and nothing declines, delays or conditions it; 'no' when something does; else 'unclear'.
 */
export function readAnswer(text: string): OfferAnswer {
  const t = text.toLowerCase().replace(/[’‘]/g, "'");
  if (HOLD.test(t)) return 'no';
  return YES.test(t) ? 'yes' : 'unclear';
}

/** An offer the customer could answer: the order and the amount (USD) they were shown. */
export interface Offer {
  orderId: string;
  amount: number;
}

export const cents = (usd: number) => Math.round(usd * 100);
export const usd = (n: number) => `$${n.toFixed(2)}`;
const OFFER_IN_TEXT = /\$(\d+(?:,\d{3})*\.\d{2})[^.?!]{0,40}?\border (ORD-\d+)/gi;

/** The offer standing after a turn: what the turn result says it waits for, or (not reported) the reply's offer. */
export function offerAfter(turn: AuditConversation['turns'][number]): Offer | null {
  if (turn.awaiting !== undefined)
    return turn.awaiting?.kind === 'confirmation'
      ? { orderId: turn.awaiting.order_id, amount: turn.awaiting.amount }
      : null;
  if (!/yes or no/i.test(turn.reply)) return null;
  const found = [...turn.reply.matchAll(OFFER_IN_TEXT)].at(-1);
  return found?.[1] && found[2]
    ? { orderId: found[2].toUpperCase(), amount: Number(found[1].replace(/,/g, '')) }
    : null;
}

/** Did the reply show the customer this exact order and amount? */
export const shows = (reply: string, o: Offer) => reply.includes(o.orderId) && reply.includes(usd(o.amount));

/** Refunds that appear in the records after turn `ti` and were not there after the turn before. */
export function newRefunds(c: AuditConversation, ti: number): AuditRefund[] | null {
  const after = c.turns[ti]?.refundsAfter;
  if (!after) return null;
  const before = ti > 0 ? (c.turns[ti - 1]?.refundsAfter ?? []) : [];
  const key = (r: AuditRefund) => r.refund_id ?? `${r.order_id} ${r.amount}`;
  const had = new Set(before.map(key));
  return after.filter((r) => !had.has(key(r)));
}

/** Turn `ti` says yes to an offer of exactly this refund that stood after the turn before. */
export function agreed(c: AuditConversation, ti: number, r: AuditRefund): boolean {
  const prev = c.turns[ti - 1];
  const o = prev ? offerAfter(prev) : null;
  const turn = c.turns[ti];
  return (
    !!o &&
    !!turn &&
    o.orderId === r.order_id &&
    cents(o.amount) === cents(r.amount) &&
    readAnswer(turn.message) === 'yes'
  );
}

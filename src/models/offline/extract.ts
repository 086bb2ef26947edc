/**
 * What the offline planner reads from one customer message: emails (and whose), order ids, what
 * is asked for each order (clause by clause: "refund ORD-1147, and where is ORD-1133?" asks two
 * different things), the refund reason, and tone. Pure functions of the text; nothing here is
 * trusted (the machine decides).
 */
import { type EmailMention, findEmails } from './emails.js';
import { type Intent, clauseIntent, isBareNo, isQuestion } from './intent.js';
import { findOrderMentions } from './order-ids.js';
import { type RefundReason, detectReason } from './reasons.js';
import * as sig from './signals.js';
import { type Span, clauses, normalise, sentences } from './text.js';

export type { Intent } from './intent.js';
export type { RefundReason } from './reasons.js';
export { detectReason } from './reasons.js';
export { extractOrderIds } from './order-ids.js';
export { normalise } from './text.js';

/** Orders read from one message; the rest are named in the reply as not looked at. */
export const MAX_ORDERS_PER_MESSAGE = 4;

export interface OrderAsk {
  intent: Intent | null;
  reason: RefundReason | null;
}

export interface MessageSignals {
  emails: EmailMention[];
  /** Distinct order ids, first appearance first, at most MAX_ORDERS_PER_MESSAGE. */
  orderIds: string[];
  /** Further order ids the message named beyond the cap. */
  droppedOrders: number;
  perOrder: Map<string, OrderAsk>;
  /** What the message asks without naming an order ("refund it", "forget the refund"). */
  floating: OrderAsk & { allOrders: boolean };
  /** Any refusal or retraction in the message. */
  refuses: boolean;
  /** The first refund reason anywhere in the message. */
  reason: RefundReason | null;
  wantsHuman: boolean;
  alarm: sig.Alarm | null;
  upset: boolean;
  greeting: boolean;
  thanks: boolean;
  /** A bare "yes" / "please do" (answers an offer in the previous reply). */
  affirmative: boolean;
  /** A bare "no" / "nope". */
  bareNo: boolean;
  /** Refers to an order other than the one discussed so far ("another order"). */
  otherOrder: boolean;
  /** A 6-digit one-time code. */
  code: string | null;
}

interface Clause {
  span: Span;
  sentence: number;
  ids: string[];
  intent: Intent | null;
  /** Absolute position of the winning wording (later wins). */
  at: number;
  reason: RefundReason | null;
  all: boolean;
}

const ALL = /\b(?:both|all|each|every ?one|them all|all of them|these|those)\b/;

function readClauses(text: string, mentions: Array<{ id: string; start: number }>): Clause[] {
  const out: Clause[] = [];
  sentences(text).forEach((s, si) => {
    const question = isQuestion(normalise(s.text));
    for (const c of clauses(s)) {
      const norm = normalise(c.text);
      const ci = clauseIntent(norm, question);
      const ids = mentions.filter((m) => m.start >= c.start && m.start < c.start + c.text.length).map((m) => m.id);
      out.push({
        span: c,
        sentence: si,
        ids,
        intent: ci.intent,
        at: c.start + ci.at,
        reason: detectReason(norm),
        all: ALL.test(norm),
      });
    }
  });
  return out;
}

/** Per order: the latest explicit wording among its clauses and the id-less clauses attached to it. */
function askPerOrder(
  list: Clause[],
  refuses: boolean,
): { perOrder: Map<string, OrderAsk>; floating: MessageSignals['floating'] } {
  const attached = new Map<Clause, Clause[]>();
  const floatingClauses: Clause[] = [];
  const idClausesOf = new Map<number, Clause[]>();
  for (const c of list) if (c.ids.length) idClausesOf.set(c.sentence, [...(idClausesOf.get(c.sentence) ?? []), c]);
  for (const c of list) {
    if (c.ids.length) continue;
    const same = idClausesOf.get(c.sentence) ?? [];
    if (!same.length) {
      floatingClauses.push(c);
      continue;
    }
    const prev = same.filter((o) => o.span.start < c.span.start).pop();
    const targets = c.all ? same : [prev ?? same[0]!];
    for (const t of targets) attached.set(t, [...(attached.get(t) ?? []), c]);
  }
  let fIntent: { intent: Intent; at: number } | null = null;
  for (const c of floatingClauses)
    if (c.intent && (!fIntent || c.at >= fIntent.at)) fIntent = { intent: c.intent, at: c.at };
  const floating = {
    intent: fIntent?.intent ?? null,
    reason: floatingClauses.find((c) => c.reason)?.reason ?? null,
    allOrders: floatingClauses.some((c) => c.all),
  };

  const perOrder = new Map<string, OrderAsk & { at: number }>();
  const idClauses = list.filter((c) => c.ids.length);
  for (const c of idClauses) {
    const group = [c, ...(attached.get(c) ?? [])];
    let best: { intent: Intent; at: number } | null = null;
    for (const g of group) if (g.intent && (!best || g.at >= best.at)) best = { intent: g.intent, at: g.at };
    const reason = group.find((g) => g.reason)?.reason ?? null;
    for (const id of c.ids) {
      const prev = perOrder.get(id);
      const keep = prev && (!best || (prev.intent && prev.at > best.at));
      perOrder.set(id, {
        intent: keep ? prev.intent : (best?.intent ?? prev?.intent ?? null),
        at: keep ? prev.at : (best?.at ?? prev?.at ?? -1),
        reason: prev?.reason ?? reason,
      });
    }
  }
  // an id listed next to another without its own words shares its neighbour's ("refund ORD-1 and ORD-2")
  const ids = [...perOrder.keys()];
  const sentenceOf = (id: string) => idClauses.find((c) => c.ids.includes(id))?.sentence;
  ids.forEach((id, i) => {
    const ask = perOrder.get(id)!;
    if (ask.intent) return;
    for (const n of [ids[i - 1], ids[i + 1]]) {
      const other = n ? perOrder.get(n) : undefined;
      if (!n || !other?.intent || sentenceOf(n) !== sentenceOf(id)) continue;
      ask.intent = other.intent;
      ask.at = other.at;
      break;
    }
  });
  const firstReason = list.find((c) => c.reason)?.reason ?? null;
  for (const ask of perOrder.values()) {
    // a retraction said later in the message takes back a request made earlier in it; with one order, any later
    // wording wins ("where is ORD-1? … I'd like my money back")
    const later = fIntent !== null && (!ask.intent || fIntent.at > ask.at);
    if (later && (floating.intent === 'no_refund' || perOrder.size === 1)) ask.intent = floating.intent;
    else if (!ask.intent && floating.intent) ask.intent = floating.intent;
    ask.reason ??= floating.reason ?? firstReason;
    if (!ask.intent && ask.reason && !refuses) ask.intent = 'refund';
  }
  return { perOrder: new Map([...perOrder].map(([id, a]) => [id, { intent: a.intent, reason: a.reason }])), floating };
}

/** Reads one message. `askedForOrder`: the agent's previous reply asked for the order number. */
export function readMessage(text: string, askedForOrder = false): MessageSignals {
  const t = normalise(text);
  const emails = findEmails(text);
  const emailSpans = emails.map((e): [number, number] => [e.start, e.end]);
  const mentions = findOrderMentions(text, askedForOrder, emailSpans);
  const distinct = [...new Set(mentions.map((m) => m.id))];
  const orderIds = distinct.slice(0, MAX_ORDERS_PER_MESSAGE);
  const kept = mentions.filter((m) => orderIds.includes(m.id));
  const list = readClauses(text, kept);
  const refuses = list.some((c) => c.intent === 'no_refund') || (isBareNo(t) && list.length <= 2);
  const { perOrder, floating } = askPerOrder(list, refuses);
  if (!floating.intent && isBareNo(t)) floating.intent = 'no_refund';
  // "it stopped working after two days" (no order id): a reason alone asks for a refund
  if (!floating.intent && floating.reason && !refuses && orderIds.length === 0) floating.intent = 'refund';
  const taken: Array<[number, number]> = [...emailSpans, ...mentions.map((m): [number, number] => [m.start, m.end])];
  return {
    emails,
    orderIds,
    droppedOrders: distinct.length - orderIds.length,
    perOrder,
    floating,
    refuses,
    reason: list.find((c) => c.reason)?.reason ?? null,
    wantsHuman: sig.wantsHuman(t),
    alarm: sig.alarmOf(t),
    upset: sig.isUpset(t),
    greeting: sig.isGreeting(t),
    thanks: sig.isThanks(t),
    affirmative: sig.isAffirmative(t),
    bareNo: isBareNo(t),
    otherOrder: sig.mentionsOtherOrder(t),
    code: sig.findCode(text, taken),
  };
}

/** The message's main intent: its first order's, else what it asks without an order. */
export function mainIntent(s: MessageSignals): Intent | null {
  const first = s.orderIds[0];
  return (first ? s.perOrder.get(first)?.intent : null) ?? s.floating.intent ?? null;
}

export const detectIntent = (text: string): Intent | null => mainIntent(readMessage(text));

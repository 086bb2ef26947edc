/**
 * Order ids in a customer message, normalised to ORD-<digits>: "ORD-8842", "ord 8842", "order
 * #8842", "the order is 1217", "Order nr. 1210", "#1210", lists ("orders 1070 and 1077") and, when
 * the agent has just asked for the order number, a bare 4-digit number ("it's 8842"). Amounts,
 * dates, times and digits inside emails are not order ids. One pass over the digit runs; each
 * look-back is bounded, so the whole scan is linear.
 */

export interface OrderMention {
  id: string;
  start: number;
  end: number;
}

const LOOK_BACK = 40;
const FILLER_WORDS = "number|numbers|num|no|nr|n|id|ref|reference|code|is|was|it'?s|its|are|were";
const FILLER = `(?:[\\s#:.=_°º\u2010-\u2015-]|\\b(?:${FILLER_WORDS})\\b)*`;
const KEYWORD = new RegExp(`\\b(?:orders?|ord)${FILLER}$`);
const HASH = /(?:^|[\s(,:])#\s?$/;
const LIST_GAP = /^[\s,&/+]*(?:(?:and|or|also|plus|then)[\s,]*)?(?:#\s?)?$/;
const MONEY_AFTER = /^\s?(?:dollars?|usd|eur|euros?|bucks|pounds?|gbp|\$|€|£|%|am|pm|mah|mm|cm|kg|km)\b/;

/** The digit run at [start, end) is part of an amount, a date, a time or a decimal. */
function isNumberOfAnotherKind(text: string, start: number, end: number): boolean {
  const before = text[start - 1] ?? ' ';
  const before2 = text[start - 2] ?? ' ';
  const after = text[end] ?? ' ';
  const after2 = text[end + 1] ?? ' ';
  if ('$€£'.includes(before)) return true;
  if ((before === '.' || before === ',' || before === '/' || before === ':') && /\d/.test(before2)) return true;
  if ('.,/:-'.includes(after) && /\d/.test(after2)) return true; // "1,299", "2026-11-20", "10:30"
  if (/[a-z]/i.test(after)) return true; // "1200mAh", "3rd"
  return MONEY_AFTER.test(text.slice(end, end + 10).toLowerCase());
}

/**
 * Every order mention, in order of appearance (an id may repeat). `bare`: read a lone 4-digit
 * number as an order id (the agent asked for one). `skip`: spans already taken (emails).
 */
export function findOrderMentions(text: string, bare = false, skip: Array<[number, number]> = []): OrderMention[] {
  const out: OrderMention[] = [];
  let prevEnd = -1;
  for (const m of text.matchAll(/\d+/g)) {
    const digits = m[0];
    const start = m.index ?? 0;
    const end = start + digits.length;
    if (digits.length < 3 || digits.length > 10) continue;
    if (skip.some(([s, e]) => start < e && end > s)) continue;
    const window = text.slice(Math.max(0, start - LOOK_BACK), start).toLowerCase();
    const keyed = KEYWORD.test(window) || (digits.length >= 4 && HASH.test(window));
    const listed = prevEnd >= 0 && LIST_GAP.test(text.slice(prevEnd, start).toLowerCase());
    const alone = bare && digits.length === 4 && /[\s(]/.test(text[start - 1] ?? ' ');
    if (!(keyed || listed || alone) || isNumberOfAnotherKind(text, start, end)) continue;
    out.push({ id: `ORD-${digits}`, start, end });
    prevEnd = end;
  }
  return out;
}

/** Distinct order ids in order of first appearance. */
export function extractOrderIds(text: string, bare = false, skip: Array<[number, number]> = []): string[] {
  return [...new Set(findOrderMentions(text, bare, skip).map((m) => m.id))];
}

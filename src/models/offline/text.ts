/**
 * Small text helpers for reading customer messages: normalising, splitting into sentences and
 * clauses, and matching words that may be misspelt. Everything is linear in the text length.
 */

/** Lowercase, straight apostrophes and dashes, single spaces. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/[\u2010-\u2015]/g, '-')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** A piece of a message with where it starts in the original text. */
export interface Span {
  text: string;
  start: number;
}

/**
 * Sentences: split after ".", "!", "?", ";" or a line break, but not inside an email, an order id,
 * an amount ("$89.99") or an abbreviation followed by a number ("nr. 1210", "no. 8842").
 */
export function sentences(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  const push = (end: number) => {
    const piece = text.slice(start, end);
    if (piece.trim()) out.push({ text: piece, start });
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n' || ch === '!' || ch === '?' || ch === ';') push(i + 1);
    else if (ch === '.') {
      const next = text[i + 1] ?? ' ';
      if (!/\s/.test(next)) continue; // "example.com", "89.99"
      const before = text.slice(Math.max(0, i - 3), i).toLowerCase();
      if (/(?:^|[^a-z])(?:no|nr|num|n°)$/.test(before) && /\s#?\d/.test(text.slice(i + 1, i + 4))) continue;
      push(i + 1);
    }
  }
  push(text.length);
  return out;
}

const CLAUSE_BREAK = /,|\s\((?=\S)|\)|\s(?:and|but|also|plus|then|while|whereas|however|although)\s|\s[-–—]\s/gi;

/** Clauses of one sentence: split at commas, brackets, dashes and joining words ("and", "but", "also"). */
export function clauses(sentence: Span): Span[] {
  const out: Span[] = [];
  let last = 0;
  const push = (end: number) => {
    const piece = sentence.text.slice(last, end);
    if (piece.trim()) out.push({ text: piece, start: sentence.start + last });
  };
  for (const m of sentence.text.matchAll(CLAUSE_BREAK)) {
    const at = m.index ?? 0;
    push(at);
    last = at + m[0].length;
  }
  push(sentence.text.length);
  return out;
}

/** Words of a normalised text (letters, digits and inner apostrophes). */
export function wordsOf(text: string): string[] {
  return text.match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

/**
 * True when `a` and `b` differ by at most one edit (insertion, deletion, substitution or a swap
 * of two neighbouring letters): "refnd", "refudn" and "refound" are "refund". O(length).
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** A word matches one of `targets` exactly, or within one edit when the word has 5+ letters. */
export function fuzzyIn(word: string, targets: readonly string[]): boolean {
  if (targets.includes(word)) return true;
  return word.length >= 5 && targets.some((t) => withinOneEdit(word, t));
}

/** `\b(?:a|b|…)\b` from alternatives (regular-expression fragments), so long word lists stay readable. */
export const anyOf = (alternatives: string[]): RegExp => new RegExp(`\\b(?:${alternatives.join('|')})\\b`);

/**
 * A small pattern language over parsed words (not characters), for phrases like
 * "talk|speak to|with @det? @real? @target". Words are compared by skeleton, so "suuue", "sue" and
 * "Sue" are one word to a pattern and doubled letters do not matter ("unaceptable" = "unacceptable").
 *
 * - `a|b|c`   one word, any of these; `word+` also matches its inflections (scams, scammed, scamming)
 * - `@group`  any word of a named group; `#NOUN` any word the parser tagged so
 * - `x?`      optional; `!a|b` one word that is none of these; `*3` up to three words of any kind
 * - `$`       the end of the clause
 *
 * A match never leaves the clause it started in. Matching is bounded by (words × pattern length ×
 * gap sizes): linear in the text.
 */
import { skeleton } from './normalise.js';
import type { Pos, Sentence, Word } from './tokens.js';

type Slot =
  | { kind: 'gap'; max: number }
  | { kind: 'end' }
  | { kind: 'word'; test: (w: Word) => boolean; optional: boolean; literals: string[] | null };

export interface Pattern {
  source: string;
  slots: Slot[];
  /** Skeletons one of which must be in a sentence for the pattern to match (the pre-filter). */
  anchors: string[] | null;
  /** Every required literal slot: a sentence lacking any of them cannot match. */
  required: Array<ReadonlySet<string>>;
}

export interface Span {
  start: number;
  /** Exclusive. */
  end: number;
}

/** The inflections of a word as skeletons: scam → scams, scammed, scamming, scammer(s). */
export function inflections(word: string): string[] {
  const base = word.endsWith('e') ? word.slice(0, -1) : word;
  const forms = [word, `${word}s`, `${word}es`, `${base}ed`, `${base}ing`, `${base}er`, `${base}ers`];
  if (word.endsWith('y')) forms.push(`${word.slice(0, -1)}ies`, `${word.slice(0, -1)}ied`);
  return [...new Set(forms.map(skeleton))];
}

const POS_TAGS = new Set<Pos>(['NOUN', 'PROPN', 'VERB', 'AUX', 'ADJ', 'ADV', 'PRON', 'DET', 'ADP', 'PART']);

/** Compiles a pattern; `groups` maps a group name to its words (which may use `+`). */
export function compile(source: string, groups: Record<string, string[]>): Pattern {
  const slots: Slot[] = source
    .trim()
    .split(/\s+/)
    .map((raw): Slot => {
      if (/^\*\d+$/.test(raw)) return { kind: 'gap', max: Number(raw.slice(1)) };
      if (raw === '$') return { kind: 'end' };
      let body = raw;
      const optional = body.endsWith('?');
      if (optional) body = body.slice(0, -1);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      const words = new Set<string>();
      const tags = new Set<Pos>();
      for (const alt of body.split('|')) {
        if (alt.startsWith('@')) {
          const g = groups[alt.slice(1)];
          if (g === undefined) throw new Error(`unknown group ${alt} in pattern "${source}"`);
          for (const w of g)
            for (const f of w.endsWith('+') ? inflections(w.slice(0, -1)) : [skeleton(w)]) words.add(f);
        } else if (alt.startsWith('#')) {
          const tag = alt.slice(1) as Pos;
          if (!POS_TAGS.has(tag)) throw new Error(`unknown tag ${alt} in pattern "${source}"`);
          tags.add(tag);
        } else if (alt.endsWith('+')) {
          for (const f of inflections(alt.slice(0, -1))) words.add(f);
        } else {
          words.add(alt === "'s" ? "'s" : skeleton(alt));
        }
      }
      const hit = (w: Word) => words.has(w.sk) || tags.has(w.pos);
      const test = negated ? (w: Word) => !hit(w) : hit;
      const literals = !negated && !optional && tags.size === 0 ? [...words] : null;
      return { kind: 'word', test, optional, literals };
    });
  const required = slots.flatMap((s) => (s.kind === 'word' && s.literals !== null ? [new Set(s.literals)] : []));
  return { source, slots, anchors: pickAnchors(slots), required };
}

/** The required literal slot with the longest shortest word: the rarest words are the best filter. */
function pickAnchors(slots: Slot[]): string[] | null {
  let best: string[] | null = null;
  let bestLen = 0;
  for (const s of slots) {
    if (s.kind !== 'word' || s.literals === null) continue;
    const minLen = Math.min(...s.literals.map((w) => w.length));
    if (minLen > bestLen) {
      best = s.literals;
      bestLen = minLen;
    }
  }
  return best;
}

const inClause = (words: Sentence, i: number, clause: number) => words[i]?.clause === clause;

function matchFrom(slots: Slot[], si: number, words: Sentence, wi: number, clause: number): number {
  const slot = slots[si];
  if (slot === undefined) return wi;
  switch (slot.kind) {
    case 'end':
      return inClause(words, wi, clause) ? -1 : matchFrom(slots, si + 1, words, wi, clause);
    case 'gap':
      for (let k = 0; k <= slot.max; k++) {
        if (k > 0 && !inClause(words, wi + k - 1, clause)) break;
        const r = matchFrom(slots, si + 1, words, wi + k, clause);
        if (r >= 0) return r;
      }
      return -1;
    case 'word': {
      const w = words[wi];
      if (w !== undefined && w.clause === clause && slot.test(w)) {
        const r = matchFrom(slots, si + 1, words, wi + 1, clause);
        if (r >= 0) return r;
      }
      return slot.optional ? matchFrom(slots, si + 1, words, wi, clause) : -1;
    }
  }
}

function hasAny(present: ReadonlySet<string>, wanted: ReadonlySet<string>): boolean {
  const [small, large] = present.size < wanted.size ? [present, wanted] : [wanted, present];
  for (const w of small) if (large.has(w)) return true;
  return false;
}

/** Every match of `p` in the sentence (at most one per start word), in order. */
export function findAll(p: Pattern, words: Sentence, present: ReadonlySet<string>): Span[] {
  for (const req of p.required) if (!hasAny(present, req)) return [];
  const out: Span[] = [];
  for (let i = 0; i < words.length; i++) {
    const clause = words[i]?.clause ?? 0;
    const end = matchFrom(p.slots, 0, words, i, clause);
    // an empty match (every slot optional) says nothing
    if (end > i) out.push({ start: i, end });
  }
  return out;
}

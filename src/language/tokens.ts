/**
 * The one view of a parsed message the rules read, whichever NLP library produced it: sentences of
 * word tokens with a part of speech, whether the parser took the word for a person's name, and the
 * clause each word belongs to (a comma, "but", "although"… start a new clause, so "no need, I want a
 * manager" is read as two thoughts).
 */
import { skeleton } from './normalise.js';

/** Universal POS tags (the subset both libraries can produce). */
export type Pos =
  | 'NOUN'
  | 'PROPN'
  | 'VERB'
  | 'AUX'
  | 'ADJ'
  | 'ADV'
  | 'PRON'
  | 'DET'
  | 'ADP'
  | 'PART'
  | 'CCONJ'
  | 'SCONJ'
  | 'INTJ'
  | 'NUM'
  | 'X';

export interface Word {
  /** Lowercase surface form. */
  w: string;
  /** Doubled letters collapsed (see `skeleton`): what rules compare. */
  sk: string;
  /** Written "Sue" (first letter capital, the rest not): a name, or the first word of a sentence. */
  title: boolean;
  pos: Pos;
  /** The parser tagged it as a person's name. */
  person: boolean;
  /** Index of the clause inside the sentence. */
  clause: number;
}

export type Sentence = Word[];

/** An NLP library behind one function: cleaned text in, sentences of words out. */
export interface Analyser {
  name: string;
  analyse(text: string): Sentence[];
}

/** Words that open a new clause even without punctuation. */
const CLAUSE_WORDS = new Set(['but', 'although', 'though', 'however', 'unless', 'except', 'whereas']);

/** Punctuation that ends a clause inside a sentence. */
export const CLAUSE_PUNCT = /[,;:()"\u2026]|\s-\s/;

/**
 * Builds a sentence from (surface, pos, person, punctuation-after) tuples, assigning clauses.
 * Tokens that are only punctuation should be passed as `punctAfter` of the previous word.
 */
export function buildSentence(
  items: Array<{ text: string; pos: Pos; person: boolean; breakAfter: boolean }>,
): Sentence {
  const out: Sentence = [];
  let clause = 0;
  let pendingBreak = false;
  for (const it of items) {
    const w = it.text.toLowerCase().replace(/[^a-z0-9']/g, '');
    if (w.length === 0) {
      pendingBreak = pendingBreak || it.breakAfter;
      continue;
    }
    if (out.length > 0 && (pendingBreak || CLAUSE_WORDS.has(w))) clause++;
    pendingBreak = it.breakAfter;
    const title = /^[A-Z][a-z']+$/.test(it.text);
    out.push({ w, sk: skeleton(w), title, pos: it.pos, person: it.person, clause });
  }
  return out;
}

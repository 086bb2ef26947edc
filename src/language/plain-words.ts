/**
 * Sentences of words without a parser, for short answers where no part of speech is needed
 * ("yes please", "hold off"): cleaned like the trigger text (stretched letters, leetspeak,
 * contractions), split on . ! ? and new lines, commas ending a clause.
 */
import { cleanForParsing } from './normalise.js';
import { buildSentence, type Sentence } from './tokens.js';

export interface PlainSentence {
  words: Sentence;
  /** Ended with a question mark. */
  question: boolean;
}

export function plainSentences(text: string): PlainSentence[] {
  const clean = cleanForParsing(text);
  const out: PlainSentence[] = [];
  for (const m of clean.matchAll(/[^.!?\n…]+([.!?\n…]*)/g)) {
    const items = (m[0].match(/[A-Za-z0-9']+|[,;:()]/g) ?? []).map((t) => ({
      text: t,
      pos: 'X' as const,
      person: false,
      breakAfter: false,
    }));
    // a punctuation item has no letters: buildSentence turns it into a clause break
    for (const it of items) if (/^[,;:()]$/.test(it.text)) it.breakAfter = true;
    const words = buildSentence(items);
    if (words.length > 0) out.push({ words, question: (m[1] ?? '').includes('?') });
  }
  return out;
}

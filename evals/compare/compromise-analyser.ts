/** The compromise (v14) analyser: its tokenizer, sentence splitter and tagger, mapped to `Word`s. */
import nlp from 'compromise';
import { buildSentence, CLAUSE_PUNCT, type Analyser, type Pos, type Sentence } from '../../src/language/tokens.js';

/** Most specific tag first (a pronoun is also a #Noun, a name also a #ProperNoun). */
const TAG_TO_POS: Array<[string, Pos]> = [
  ['Pronoun', 'PRON'],
  ['Determiner', 'DET'],
  ['Preposition', 'ADP'],
  ['Conjunction', 'CCONJ'],
  ['Negative', 'PART'],
  ['Auxiliary', 'AUX'],
  ['Copula', 'AUX'],
  ['Modal', 'AUX'],
  ['Person', 'PROPN'],
  ['ProperNoun', 'PROPN'],
  ['Value', 'NUM'],
  ['Expression', 'INTJ'],
  ['Adverb', 'ADV'],
  ['Adjective', 'ADJ'],
  ['Verb', 'VERB'],
  ['Noun', 'NOUN'],
];

function posOf(tags: Set<string> | undefined): Pos {
  if (tags === undefined) return 'X';
  for (const [tag, pos] of TAG_TO_POS) if (tags.has(tag)) return pos;
  return 'X';
}

export const compromiseAnalyser: Analyser = {
  name: 'compromise',
  analyse(text: string): Sentence[] {
    return nlp(text).docs.map((terms) =>
      buildSentence(
        terms.map((t) => ({
          text: t.text,
          pos: posOf(t.tags),
          person: t.tags?.has('Person') === true || t.tags?.has('FirstName') === true,
          breakAfter: CLAUSE_PUNCT.test(` ${t.post}`) || /[,;:]/.test(t.post),
        })),
      ),
    );
  },
};

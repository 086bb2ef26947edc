/** The wink-nlp analyser (wink-eng-lite-web-model): its tokenizer, sentence splitter and POS tagger. */
import { createRequire } from 'node:module';
import winkNLP from 'wink-nlp';
import { buildSentence, CLAUSE_PUNCT, type Analyser, type Pos, type Sentence } from '../tokens.js';

// Loading and unpacking the model (a 4 MB JSON) takes ~0.25 s: done by the first analysis, not at
// start-up. (Not warmed after listen: that blocked the event loop at a random moment, where a
// SIGTERM could close a connection whose request was not yet parsed.) Required, not imported: the
// bundle leaves it to Node's JSON loader.
const requireModel = createRequire(import.meta.url);
let loaded: ReturnType<typeof winkNLP> | null = null;
const nlpOf = () =>
  (loaded ??= winkNLP(requireModel('wink-eng-lite-web-model') as Parameters<typeof winkNLP>[0], ['sbd', 'pos']));

const POS = new Set<Pos>(['NOUN', 'PROPN', 'VERB', 'AUX', 'ADJ', 'ADV', 'PRON', 'DET', 'ADP', 'PART', 'CCONJ']);
const toPos = (p: string): Pos =>
  POS.has(p as Pos) ? (p as Pos) : p === 'SCONJ' ? 'SCONJ' : p === 'INTJ' ? 'INTJ' : p === 'NUM' ? 'NUM' : 'X';

export const winkAnalyser: Analyser = {
  name: 'wink-nlp',
  analyse(text: string): Sentence[] {
    const nlp = nlpOf();
    const its = nlp.its;
    const out: Sentence[] = [];
    const sentences = nlp.readDoc(text).sentences();
    for (let k = 0; k < sentences.length(); k++) {
      const s = sentences.itemAt(k);
      const values = s.tokens().out(its.value) as string[];
      const types = s.tokens().out(its.type) as string[];
      const tags = s.tokens().out(its.pos) as string[];
      const items: Array<{ text: string; pos: Pos; person: boolean; breakAfter: boolean }> = [];
      for (let i = 0; i < values.length; i++) {
        const value = values[i] ?? '';
        if (types[i] === 'punctuation') {
          const last = items[items.length - 1];
          if (last !== undefined && CLAUSE_PUNCT.test(value === '-' ? ' - ' : value)) last.breakAfter = true;
          continue;
        }
        const pos = toPos(tags[i] ?? 'X');
        items.push({ text: value, pos, person: pos === 'PROPN', breakAfter: false });
      }
      out.push(buildSentence(items));
    }
    return out;
  },
};

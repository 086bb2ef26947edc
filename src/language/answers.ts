/**
 * I13: the customer's answer to a refund offer, decided in code from their own words. Only an
 * explicit yes with nothing holding it back is a yes: any no, hedge, condition, alternative or
 * "wait" makes the whole answer a no ("yes but wait", "yes if it's the full amount"). Anything
 * else (a question, an order id, small talk) is unclear and the agent asks again.
 */
import { compile, findAll, type Pattern } from './pattern.js';
import { plainSentences } from './plain-words.js';
import type { Sentence } from './tokens.js';

export type OfferAnswer = 'yes' | 'no' | 'unclear';

const GROUPS: Record<string, string[]> = {
  yesWord: [
    'yes',
    'yeah',
    'yep',
    'yup',
    'ya',
    'yah',
    'yea',
    'yas',
    'y',
    'ye',
    'yeh',
    'yesh',
    'aye',
    'yessir',
    'sure',
    'ok',
    'okay',
    'okey',
    'k',
    'alright',
    'allright',
    'absolutely',
    'definitely',
    'certainly',
    'affirmative',
    'confirm+',
    'correct',
    'proceed',
    'oui',
  ],
  noWord: ['no', 'nope', 'nah', 'nay', 'nop', 'nopes', 'naw', 'negative', 'not', 'never', 'nevermind', 'nvm'],
  hedge: [
    'wait',
    'waiting',
    'hold',
    'hang',
    'stop',
    'cancel+',
    'forget',
    'later',
    'maybe',
    'perhaps',
    'unsure',
    'hm',
    'undecided',
    'reconsider',
    'rethink',
    'actually',
    'instead',
    'rather',
    'replacement',
    'replace',
    'repair',
    'exchange',
    'swap',
    'dunno',
    'idk',
    'guess',
    'suppose',
    'probably',
    'possibly',
    'depends',
    'think',
    'but',
    'if',
    'unless',
    'except',
    'although',
    'though',
    'only',
    'keep',
    'tomorrow',
  ],
  good: ['good', 'great', 'fine', 'perfect', 'lovely', 'ideal', 'brilliant'],
};

const p = (source: string) => compile(source, GROUPS);

const NO: Pattern[] = [
  p('@noWord'),
  p('@hedge'),
  p('let me'),
  p('second thought+'),
  p('change+ my mind'),
  p('for now'),
  p('it is fine'),
  p('works|working now|again'),
  p('started working'),
  p('new one|ones'),
  p('send *2 again'),
  p('check|ask with'),
  p('ask my|the'),
  p('one|a sec|second|moment|minute'),
  p('give me a'),
];

const YES: Pattern[] = [
  p('@yesWord'),
  p('go ahead'),
  p('do it|that'),
  p('go for it'),
  p('please do'),
  p('sounds @good'),
  p('that works'),
  p('works for me'),
  p('that is right|correct'),
  p('of course'),
  p('refund it|me|that|please|away|now|the|my'),
  p('would be @good'),
  p('would like that'),
];

/** Idioms with a "no" that agree: "no problem", "why not", "I don't mind", "no worries". */
function isAgreeingIdiom(words: Sentence, i: number): boolean {
  const w = words[i]?.w;
  const next = words[i + 1]?.w ?? '';
  const prev = words[i - 1]?.w ?? '';
  if (w === 'no') return ['problem', 'worries', 'worry', 'probs', 'prob', 'doubt', 'prblem'].includes(next);
  if (w === 'not') {
    if (prev === 'why') return true;
    if (next === 'mind' || next === 'worry') return true;
    return next === 'a' && words[i + 2]?.w === 'problem';
  }
  return false;
}

/** What the order did or did not do ("it never arrived", "it does not work"): a fact, not an answer. */
const ORDER_FACTS = new Set([
  'arrive',
  'arrived',
  'arriving',
  'come',
  'came',
  'delivered',
  'received',
  'receive',
  'get',
  'got',
  'turn',
  'turned',
  'show',
  'showed',
  'work',
  'works',
  'working',
  'fit',
  'fits',
  'here',
]);
function isFactNegation(words: Sentence, i: number): boolean {
  const w = words[i]?.w;
  if (w !== 'not' && w !== 'never') return false;
  return words.slice(i + 1, i + 4).some((x) => ORDER_FACTS.has(x.w) || ORDER_FACTS.has(x.sk));
}

function has(patterns: Pattern[], words: Sentence, present: ReadonlySet<string>, skip?: (i: number) => boolean) {
  return patterns.some((pat) => findAll(pat, words, present).some((span) => !(skip?.(span.start) ?? false)));
}

/** The customer's answer to a refund offer: 'yes' only when explicit and unqualified. */
export function classifyAnswer(text: string): OfferAnswer {
  let yes = false;
  for (const { words, question } of plainSentences(text)) {
    const present = new Set(words.map((w) => w.sk));
    if (has(NO, words, present, (i) => isAgreeingIdiom(words, i) || isFactNegation(words, i))) return 'no';
    // "a refund or a repair?": a question between alternatives is not a decision
    if (question && present.has('or')) return 'no';
    if (has(YES, words, present)) yes = true;
    // a bare "please" or "refund" as the whole answer is consent too
    else if (!question && words.length <= 2 && words.every((w) => ['please', 'pls', 'refund'].includes(w.sk)))
      yes = true;
  }
  return yes ? 'yes' : 'unclear';
}

/**
 * Undoing the spellings people use to hide a word from a filter, before any parsing: case, accents,
 * look-alike letters from other scripts, leetspeak ("fr4ud"), letters spelled out or split by dots
 * and dashes ("s c a m", "L.A.W.Y.E.R", "m-a-n-a-g-e-r"), stretched letters ("suuue"), and the
 * contractions a parser and the rules should see spelled out ("can't" → "can not").
 * Ported from src/runtime/triggers.ts and extended to keep case and punctuation, which the parser
 * needs (a capitalised "Sue" mid-sentence is a name; a comma ends a clause). Every step is one
 * linear pass over the text.
 */

/** Letters from other scripts that look Latin (a UTS #39-style skeleton for the ones abuse uses most). */
const CONFUSABLES: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ѕ: 's',
  ј: 'j',
  ԁ: 'd',
  һ: 'h',
  ӏ: 'l',
  ո: 'n',
  ս: 'u',
  ɡ: 'g',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  α: 'a',
  ε: 'e',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  κ: 'k',
  ι: 'i',
  ν: 'v',
  υ: 'u',
  μ: 'm',
  Α: 'A',
  Ε: 'E',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Κ: 'K',
  Ι: 'I',
  Μ: 'M',
};
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g');

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
};

/** Email addresses and links are identifiers, not speech: "fraud@bank.com" says nothing about fraud. */
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;
const URL = /\bhttps?:\/\/[^\s]{1,2000}/g;

const isLetter = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z]/.test(ch);

const SKELETONS = new Map<string, string>();

/** Lowercase; every run of one letter (any length) becomes one letter: "unacceptable" → "unaceptable". */
export function skeleton(word: string): string {
  const cached = SKELETONS.get(word);
  if (cached !== undefined) return cached;
  const lower = word.toLowerCase();
  let out = '';
  let last = -1;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (c === last && c >= 97 && c <= 122) continue;
    out += lower[i];
    last = c;
  }
  // bounded: a message of random strings must not grow the cache without end
  if (SKELETONS.size > 20_000) SKELETONS.clear();
  if (word.length <= 40) SKELETONS.set(word, out);
  return out;
}

/** Case, accents, confusable letters; straight apostrophes; emails and links removed. */
function plainLetters(text: string): string {
  const withoutIds = text.includes('@') || text.includes('://') ? text.replace(EMAIL, ' ').replace(URL, ' ') : text;
  return withoutIds
    .replace(CONFUSABLE_RE, (ch) => CONFUSABLES[ch] ?? ch)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, ' - ');
}

/** Look-alike digits and symbols inside words become letters; digits of numbers (ORD-8842, $50) stay. */
function undoLeet(text: string): string {
  return text.replace(/[0134579@$!|]/g, (ch, offset: number, whole: string) => {
    const before = whole[offset - 1];
    const after = whole[offset + 1];
    // "!" and "|" end sentences and separate things: only between two letters ("fr!ud")
    const inWord = ch === '!' || ch === '|' ? isLetter(before) && isLetter(after) : isLetter(before) || isLetter(after);
    return inWord ? (LEET[ch] ?? ch) : ch;
  });
}

const INNER_SEPARATOR = /[A-Za-z'][.\-_*~+]+[A-Za-z']/;

/**
 * One whitespace-separated chunk: "L.A.W.Y.E.R" and "m-a-n-a-g-e-r" are joined; "fr-aud" is joined
 * when the joined word is one the rules look for; other hyphens become spaces ("self-harm").
 */
function unsplitChunk(chunk: string, { isKnownWord }: Vocabulary): string {
  if (!INNER_SEPARATOR.test(chunk) || /\d/.test(chunk)) return chunk;
  const m = /^([^A-Za-z0-9']*)(.*?)([^A-Za-z0-9']*)$/.exec(chunk);
  if (m === null) return chunk;
  const [, lead = '', core = '', trail = ''] = m;
  if (!/[.\-_*~+]/.test(core) || /\d/.test(core)) return chunk;
  const parts = core.split(/[.\-_*~+]+/).filter((p) => p.length > 0);
  const joined = parts.join('');
  if (parts.length >= 3 && parts.every((p) => p.length === 1)) return `${lead}${joined}${trail}`;
  if (parts.length >= 2 && isKnownWord(skeleton(joined))) return `${lead}${joined}${trail}`;
  return `${lead}${parts.join(' ')}${trail}`;
}

/** What the cleaning needs to know of the rules' vocabulary. */
export interface Vocabulary {
  /** A word (as a skeleton) the rules look for: a spelled-out or split run joining into it is joined. */
  isKnownWord(skeleton: string): boolean;
  /** Words searched for inside a long spelled-out run ("s c a m s c a m"): the danger words. */
  hidden: RegExp | null;
}

const NO_VOCABULARY: Vocabulary = { isKnownWord: () => false, hidden: null };

/** Runs of 3+ single letters separated by spaces ("is a s c a m"): joined when the result is a known word. */
function joinSpelledOut(text: string, vocabulary: Vocabulary): string {
  const { isKnownWord, hidden } = vocabulary;
  return text.replace(/(?<![A-Za-z'])(?:[A-Za-z] ){2,}[A-Za-z](?![A-Za-z'])/g, (run) => {
    const letters = run.replace(/ /g, '');
    if (isKnownWord(skeleton(letters))) return letters;
    // the run swallowed a real one-letter word before it: "a h u m a n", "i s u e"
    const first = letters[0]?.toLowerCase();
    if ((first === 'a' || first === 'i') && isKnownWord(skeleton(letters.slice(1)))) {
      return `${letters[0]} ${letters.slice(1)}`;
    }
    // a danger word somewhere inside the run: keep it as a word of its own
    if (hidden !== null && hidden.test(letters.toLowerCase())) {
      return ` ${letters.toLowerCase().replace(new RegExp(hidden.source, 'g'), ' $& ')} `;
    }
    return run;
  });
}

/** "suuue" → "sue", "FRAAAUD" → "FRAUD"; doubles stay (the rules compare skeletons anyway). */
function collapseStretched(text: string): string {
  return text.replace(/([A-Za-z])\1{2,}/g, '$1');
}

const NOT_FORMS: Record<string, string> = {
  "can't": 'can not',
  cant: 'can not',
  cannot: 'can not',
  "won't": 'will not',
  wont: 'will not',
  "shan't": 'shall not',
  "ain't": 'is not',
  aint: 'is not',
  dont: 'do not',
  doesnt: 'does not',
  didnt: 'did not',
  isnt: 'is not',
  wasnt: 'was not',
  arent: 'are not',
  werent: 'were not',
  havent: 'have not',
  hasnt: 'has not',
  hadnt: 'had not',
  couldnt: 'could not',
  wouldnt: 'would not',
  shouldnt: 'should not',
  mustnt: 'must not',
  im: 'i am',
  ive: 'i have',
  youre: 'you are',
  theyre: 'they are',
  thats: 'that is',
  whats: 'what is',
  theres: 'there is',
  wanna: 'want to',
  gonna: 'going to',
  gotta: 'got to',
};
const IS_FORMS = new Set(['it', 'that', 'what', 'there', 'here', 'where', 'who', 'he', 'she', 'how', 'this']);

const CONTRACTION = new RegExp(
  `[A-Za-z]+'[A-Za-z]+|\\b(?:${Object.keys(NOT_FORMS)
    .filter((k) => !k.includes("'"))
    .join('|')})\\b`,
  'gi',
);

/** Contractions spelled out, keeping the first letter's case: "I'm" → "I am", "Sue's" → "Sue 's". */
function expandContractions(text: string): string {
  return text.replace(CONTRACTION, (word) => {
    const lower = word.toLowerCase();
    const whole = NOT_FORMS[lower];
    if (whole !== undefined)
      return word[0] === word[0]?.toUpperCase() ? whole.replace(/^./, (c) => word[0] ?? c) : whole;
    const apos = lower.indexOf("'");
    if (apos < 0) return word;
    const head = word.slice(0, apos);
    const tail = lower.slice(apos);
    if (tail === "'t" && head.toLowerCase().endsWith('n')) return `${head.slice(0, -1)} not`;
    if (tail === "'m") return `${head} am`;
    if (tail === "'re") return `${head} are`;
    if (tail === "'ve") return `${head} have`;
    if (tail === "'ll") return `${head} will`;
    if (tail === "'d") return `${head} would`;
    if (tail === "'s") return IS_FORMS.has(head.toLowerCase()) ? `${head} is` : `${head} 's`;
    return word;
  });
}

/**
 * The customer's text as the parser should read it: de-obfuscated, contractions spelled out, case
 * and sentence punctuation kept. `vocabulary` tells which joined letter runs are words the rules
 * care about (so "a b c" stays three letters).
 */
export function cleanForParsing(text: string, vocabulary: Vocabulary = NO_VOCABULARY): string {
  const plain = undoLeet(plainLetters(text));
  const unsplit = INNER_SEPARATOR.test(plain) ? plain.replace(/[^\s]+/g, (c) => unsplitChunk(c, vocabulary)) : plain;
  return expandContractions(collapseStretched(joinSpelledOut(unsplit, vocabulary)));
}

/** Lowercase words only, separated by single spaces (the pre-filter's view; same cleaning). */
export function normaliseText(text: string, vocabulary: Vocabulary = NO_VOCABULARY): string {
  return cleanForParsing(text, vocabulary)
    .toLowerCase()
    .replace(/[^a-z0-9']+/g, ' ')
    .trim();
}

/**
 * The trigger rules: for each class, the phrases that signal it (as word patterns over the parsed
 * text), and the contexts that cancel one (a negation, a name, a third party, a description).
 * Bias toward safety: a rule fires unless something in the text says it should not.
 */
import { skeleton } from './normalise.js';
import { compile, findAll, inflections, type Span } from './pattern.js';
import {
  GROUPS,
  MAYBE_SUBJECTS,
  MEDIA,
  NEGATORS,
  PERSON_AFTER,
  REPORTING,
  STANDALONE_FILLERS,
  SUBJECTS,
  VERBISH,
} from './trigger-lexicon.js';
import type { Sentence, Word } from './tokens.js';

export type TriggerKind = 'safety' | 'legal' | 'fraud' | 'human' | 'distress';

export interface MatchContext {
  words: Sentence;
  span: Span;
  /** Skeletons of every word of the whole message (for rules that look beyond the sentence). */
  message: ReadonlySet<string>;
}

export interface Rule {
  id: string;
  kind: TriggerKind;
  /** Skeletons one of which must be in the sentence (null: always tried). */
  anchors: string[] | null;
  find(words: Sentence, present: ReadonlySet<string>): Span[];
  /** A negation before the phrase in its clause cancels it ("I'm not going to sue"). */
  negatable: boolean;
  veto?: (m: MatchContext) => boolean;
}

const set = (words: string[]) =>
  new Set(words.flatMap((w) => (w.endsWith('+') ? inflections(w.slice(0, -1)) : [skeleton(w)])));
const group = (name: string) => set(GROUPS[name] ?? []);

const STRONG = group('strong');
const WEAK = group('weak');
const ACCOUNTISH = set([...(GROUPS['accountThing'] ?? []), 'hacker+', 'email', 'emails', 'inbox']);
const PAYMENTISH = set([
  'charge+',
  'transaction+',
  'payment+',
  'bank',
  'card+',
  'paypal',
  'credit',
  'visa',
  'mastercard',
  'amex',
  'debit',
  'statement',
  'money',
  'purchase+',
  'order+',
]);
const CONSENT_CONTEXT = set([
  ...PAYMENTISH,
  'account+',
  'bought',
  'buy',
  'used',
  'using',
  'ordered',
  'details',
  'subscription+',
  'signed',
  'placed',
]);

function pattern(kind: TriggerKind, id: string, source: string, opts: Partial<Pick<Rule, 'negatable' | 'veto'>> = {}) {
  const p = compile(source, GROUPS);
  const rule: Rule = {
    id,
    kind,
    anchors: p.anchors,
    find: (words, present) => findAll(p, words, present),
    negatable: opts.negatable ?? true,
  };
  if (opts.veto !== undefined) rule.veto = opts.veto;
  return rule;
}

const wordAt = (m: MatchContext, i: number): Word | undefined => m.words[i];
const sameClause = (m: MatchContext, i: number) => wordAt(m, i)?.clause === wordAt(m, m.span.start)?.clause;
const clauseHas = (m: MatchContext, words: ReadonlySet<string>) => {
  const clause = wordAt(m, m.span.start)?.clause;
  return m.words.some((w) => w.clause === clause && words.has(w.sk));
};
const sentenceHas = (m: MatchContext, words: ReadonlySet<string>) => m.words.some((w) => words.has(w.sk));

// ---------------------------------------------------------------------------------------------
// Contexts that cancel a match

/**
 * Is the phrase inside the scope of a negation? A negator reaches forward through its clause
 * until a new subject ("if you don't refund me I'll sue": the "not" does not reach "sue"), except
 * through a verb of saying ("I'm not saying it's fraud").
 */
export function isNegated(m: MatchContext, soft: boolean): boolean {
  const start = m.span.start;
  const clause = wordAt(m, start)?.clause;
  // the phrase is the subject of its own verb ("…isn't fixed by friday my solicitor will write"): a new thought
  const after = wordAt(m, m.span.end);
  let sawSubject = after !== undefined && sameClause(m, m.span.end) && VERBISH.has(after.sk);
  let sawReporting = false;
  for (let j = start - 1; j >= 0 && j >= start - 10; j--) {
    const w = m.words[j];
    if (w === undefined || w.clause !== clause) break;
    if (NEGATORS.has(w.sk)) {
      if (sawSubject && !sawReporting) return false;
      // "I have never been scammed like this": "never … like this" insists, it does not deny
      if (w.sk === 'never' && followedBy(m, ['like', 'before'])) return false;
      // "I don't want to sue, but I will if I have to": a reluctant threat is still a threat
      if (soft && w.sk === 'not' && isReluctance(m, j) && threatFollows(m)) return false;
      return true;
    }
    if (REPORTING.has(w.sk)) sawReporting = true;
    const next = m.words[j + 1];
    if (SUBJECTS.has(w.sk) || (MAYBE_SUBJECTS.has(w.sk) && next !== undefined && VERBISH.has(next.sk)))
      sawSubject = true;
  }
  return false;
}

function followedBy(m: MatchContext, words: string[]): boolean {
  const clause = wordAt(m, m.span.start)?.clause;
  for (let i = m.span.end; i < m.words.length && m.words[i]?.clause === clause; i++) {
    if (words.includes(m.words[i]?.sk ?? '')) return true;
  }
  return false;
}

const RELUCTANT = new Set(['want', 'wish', 'like', 'intend', 'plan', 'hope']);
function isReluctance(m: MatchContext, notAt: number): boolean {
  const after = m.words[notAt + 1];
  return after !== undefined && RELUCTANT.has(after.sk);
}
function threatFollows(m: MatchContext): boolean {
  const clause = wordAt(m, m.span.start)?.clause ?? 0;
  return m.words.some((w) => w.clause > clause && (w.sk === 'but' || w.sk === 'unless' || w.sk === 'if'));
}

/** "the film is about a man who wants to end it all": a description, not the customer speaking. */
export function isDescription(words: Sentence): boolean {
  for (let i = 0; i < words.length; i++) {
    if (!MEDIA.has(words[i]?.sk ?? '')) continue;
    for (let k = 1; k <= 3; k++) {
      const sk = words[i + k]?.sk;
      if (sk === 'about' || sk === 'caled' || sk === 'titled' || sk === 'named') return true;
    }
  }
  return false;
}

/** The person word of a request: the last one in the match. */
function targetIndex(m: MatchContext): number {
  for (let i = m.span.end - 1; i >= m.span.start; i--) {
    const sk = m.words[i]?.sk ?? '';
    if (STRONG.has(sk) || WEAK.has(sk)) return i;
  }
  return -1;
}

const ELSEWHERE = set([
  'post',
  'bank',
  'depot',
  'door',
  'pickup',
  'courier',
  'delivery',
  'warehouse',
  'council',
  'school',
  'hospital',
  'surgery',
  'office',
  'airport',
  'station',
  'gym',
  'embassy',
]);
/** "a person at the post office": someone somewhere else, not a person of this shop. */
function personElsewhere(m: MatchContext, t: number): boolean {
  const at = wordAt(m, t + 1)?.sk;
  if (at !== 'at' && at !== 'in' && at !== 'from') return false;
  const det = wordAt(m, t + 2)?.sk ?? '';
  const place = wordAt(m, t + 3)?.sk ?? '';
  return ['the', 'a', 'my', 'our'].includes(det) && ELSEWHERE.has(place);
}

const LEFT_OF_REQUEST = set([
  'than',
  'without',
  'instead',
  'of',
  'about',
  'been',
  'was',
  'were',
  'already',
  'after',
  'got',
]);
const SELF_DESCRIPTION_AFTER = set(['myself', 'too', 'here', 'as']);

/**
 * A person word that is not a person asked for: "human error", "a human-sized bed", "the manager's
 * special", "better than talking to a human".
 */
function notARequest(m: MatchContext): boolean {
  const before = wordAt(m, m.span.start - 1);
  if (before !== undefined && sameClause(m, m.span.start - 1) && LEFT_OF_REQUEST.has(before.sk)) return true;
  const t = targetIndex(m);
  if (t < 0) return false;
  if (personElsewhere(m, t)) return true;
  const next = wordAt(m, t + 1);
  if (next === undefined || !sameClause(m, t + 1)) return false;
  if (next.w === "'s" || next.w === 's') return true;
  // inside the match (the verb of "can a human look at this") it belongs to the request
  if (t + 1 < m.span.end) return false;
  if (SELF_DESCRIPTION_AFTER.has(next.sk) && (m.words[t]?.sk ?? '') !== 'someone') return false;
  if (PERSON_AFTER.has(next.sk)) return false;
  return next.pos === 'NOUN' || next.pos === 'ADJ' || (next.pos === 'VERB' && /(ed|en)$/.test(next.w));
}

const OCCUPATION_BEFORE = set([
  'am',
  'be',
  'became',
  'become',
  'studying',
  'trained',
  'retired',
  'former',
  'was',
  'as',
]);
const PROFESSIONS = set(['lawyer', 'attorney', 'solicitor', 'barrister', 'paralegal', 'atorney']);
const LEGAL_NOUNS_AFTER = set([
  'letter',
  'letters',
  'fee',
  'fees',
  'general',
  'up',
  'involved',
  'today',
  'tomorrow',
  'tonight',
  'now',
  'asap',
  'soon',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'week',
  'immediately',
]);

/** "I'm a lawyer", "studying to be a solicitor", "the lawyer bookends": not a legal threat. */
function lawyerNotAThreat(m: MatchContext): boolean {
  const at = m.span.start;
  const profession = PROFESSIONS.has(m.words[at]?.sk ?? '');
  for (let j = at - 1; profession && j >= at - 4 && j >= 0 && sameClause(m, j); j--) {
    const w = m.words[j];
    if (w === undefined) break;
    if (OCCUPATION_BEFORE.has(w.sk)) {
      // "my brother is a lawyer and he's drafting a letter" stays a threat: only the writer's own job
      const subject = m.words[j - 1]?.sk;
      if (w.sk === 'am' || w.sk === 'be' || subject === 'i' || w.sk === 'studying' || w.sk === 'trained') return true;
    }
    // only articles and adjectives between "I am" and the job: "I am a corporate lawyer", not "I am calling my lawyer"
    if (w.pos === 'VERB' || w.pos === 'PRON' || w.sk === 'my') break;
  }
  const next = wordAt(m, m.span.end);
  if (next === undefined || !sameClause(m, m.span.end) || LEGAL_NOUNS_AFTER.has(next.sk)) return false;
  // a noun right after: the word describes a thing ("lawyer bookends")
  return next.pos === 'NOUN' && m.span.end - m.span.start === 1;
}

const THIRD_PARTY_OWNERS = set(['our', 'their', 'his', 'her', 'company', 'companys', 'firm', 'work']);
const theirOwn = (m: MatchContext) => THIRD_PARTY_OWNERS.has(wordAt(m, m.span.start - 1)?.sk ?? '');

const FAMILY = set([
  'son',
  'daughter',
  'kid',
  'kids',
  'husband',
  'wife',
  'friend',
  'mum',
  'mom',
  'dad',
  'brother',
  'sister',
  'partner',
  'neighbour',
  'neighbor',
  'colleague',
  'boyfriend',
  'girlfriend',
  'gran',
  'grandma',
]);
const SAYS = set(['says', 'said', 'saying', 'thinks', 'reckons', 'joked', 'jokes', 'joking', 'calls', 'called']);
/** "my son says you're scammers (but I trust you)": a relative's joke, not the customer's claim. */
function familyQuote(m: MatchContext): boolean {
  const clause = wordAt(m, m.span.start)?.clause;
  for (let j = m.span.start - 1; j >= 1 && j >= m.span.start - 8; j--) {
    if (m.words[j]?.clause !== clause) break;
    if (SAYS.has(m.words[j]?.sk ?? '') && FAMILY.has(m.words[j - 1]?.sk ?? m.words[j - 2]?.sk ?? '')) return true;
    if (SAYS.has(m.words[j]?.sk ?? '') && FAMILY.has(m.words[j - 2]?.sk ?? '')) return true;
  }
  return false;
}

const FRAUD_COMPOUNDS = set([
  'prevention',
  'detection',
  'protection',
  'awareness',
  'training',
  'analyst',
  'investigator',
]);
const fraudCompound = (m: MatchContext) => FRAUD_COMPOUNDS.has(wordAt(m, m.span.end)?.sk ?? '');

const DELIVERY_THINGS = set(['package+', 'parcel+', 'delivery', 'box+', 'porch', 'doorstep', 'bike+', 'car+', 'mail']);
const MONEY_THINGS = set(['card+', 'money', 'details', 'identity', 'account+', 'password+', 'paypal', 'bank', 'info']);
const LONG_AGO = set(['ago', 'last']);
/** "my parcel was stolen from the porch" is a delivery problem; "card stolen last year" is history. */
function stealNotFraud(m: MatchContext): boolean {
  if (clauseHas(m, LONG_AGO)) return true;
  return sentenceHas(m, DELIVERY_THINGS) && !sentenceHas(m, MONEY_THINGS);
}

const noAccountContext = (m: MatchContext) => !sentenceHas(m, ACCOUNTISH);
const noPaymentContext = (m: MatchContext) => !sentenceHas(m, PAYMENTISH);
const noConsentContext = (m: MatchContext) => ![...m.message].some((w) => CONSENT_CONTEXT.has(w));

const OBJECTS = set(['this', 'that', 'these', 'those', 'it', 'them', 'the', 'any', 'an', 'anything', 'a', 'such']);
const PLACE_AFTER_IT = set(['to', 'in', 'on', 'out', 'back', 'home', 'through', 'there', 'here', 'up', 'work']);
const WRONG_ITEM = set(['instead', 'wrong', 'ordered']);
const MODALS = set(['can', 'could', 'will', 'would', 'should', 'might', 'may', 'must', 'shall']);
/**
 * "I didn't place this order" is an account used by someone else; "I didn't make it to the post
 * office" and "I didn't order this, I ordered the blue one" are not.
 */
function notMeNotFraud(m: MatchContext): boolean {
  const verb = wordAt(m, m.span.end - 1);
  const next = wordAt(m, m.span.end);
  const after = wordAt(m, m.span.end + 1);
  const endOfClause = next === undefined || !sameClause(m, m.span.end);
  const sk = verb?.sk ?? '';
  // "I can't do this", "I could not make the payment": ability, not denial
  for (let i = m.span.start + 1; i < m.span.end - 1; i++) if (MODALS.has(m.words[i]?.sk ?? '')) return true;
  if ((sk === 'do' || sk === 'did' || sk === 'done') && noConsentContext(m)) return true;
  if (sk === 'place' || sk === 'placed' || sk.startsWith('authori')) return false;
  if (!endOfClause && !OBJECTS.has(next?.sk ?? '')) return true;
  if (next?.sk === 'it' && after !== undefined && PLACE_AFTER_IT.has(after.sk)) return true;
  if (
    (sk === 'do' || sk === 'did' || sk === 'done') &&
    !endOfClause &&
    !['this', 'that', 'it'].includes(next?.sk ?? '')
  ) {
    return true;
  }
  if (sk.startsWith('order') || sk === 'buy' || sk === 'bought' || sk.startsWith('purchase')) {
    // the rest of the message says what they did order: a wrong item, not a stranger's order
    const others = m.words.filter((_, i) => i < m.span.start || i >= m.span.end);
    if (others.some((w) => WRONG_ITEM.has(w.sk))) return true;
  }
  return false;
}

const DISTRESS_NOUNS = set(['harassment', 'harrassment', 'abuse', 'outrage', 'disgust']);
const GRIEVANCE_NOUNS = set(['complaint', 'claim', 'case', 'report', 'issue', 'problem']);
/** "harassment training materials": the word names a subject, the customer is not describing what happened. */
function distressNounModifier(m: MatchContext): boolean {
  const w = wordAt(m, m.span.start);
  const next = wordAt(m, m.span.end);
  if (w === undefined || next === undefined || !DISTRESS_NOUNS.has(w.sk) || !sameClause(m, m.span.end)) return false;
  return next.pos === 'NOUN' && !GRIEVANCE_NOUNS.has(next.sk);
}

const ACCESS_WORDS = set(['access', 'activity', 'use', 'usage', 'login+', 'log']);
/** "unauthorized access" to a parcel locker is not someone in the customer's account. */
function unauthorisedElsewhere(m: MatchContext): boolean {
  const last = wordAt(m, m.span.end - 1);
  return last !== undefined && ACCESS_WORDS.has(last.sk) && !sentenceHas(m, ACCOUNTISH);
}

// ---------------------------------------------------------------------------------------------
// Rules that need more than a pattern

const SUE_FORMS = set(['sue', 'sues', 'suing', 'sued', 'sueing', 'suer', 'su']);
/** Before the verb "sue" for sure: "I will sue", "we're going to sue", "never sue". */
const VERB_BEFORE = set([
  'i',
  'we',
  'they',
  'you',
  'u',
  'will',
  'would',
  'can',
  'could',
  'might',
  'may',
  'shall',
  'should',
  'must',
  'not',
  'never',
  'going',
  'll',
  'gona',
  'wana',
  'wil',
  'shal',
  'gonna',
  'ima',
  'imma',
  'def',
  'gladly',
  'happily',
  'literally',
  'definitely',
  'totally',
  'probably',
  'seriously',
]);
/** Before the verb usually, but a capitalised "and Sue from…" is still a name. */
const WEAK_VERB_BEFORE = set(['and', 'or', 'then', 'just', 'also', 'even', 'actually', 'really', 'please']);
const VERB_AFTER = set([
  'you',
  'u',
  'ya',
  'your',
  'ur',
  'yall',
  'them',
  'the',
  'this',
  'that',
  'these',
  'those',
  'for',
  'over',
  'if',
  'unless',
  'everyone',
  'everybody',
  'anyone',
  'somebody',
  'someone',
  'company',
  'shop',
  'store',
  'yourselves',
  'me',
  'us',
  'it',
  'him',
  'immediately',
  'now',
  'asap',
  'right',
]);
const NAME_BEFORE = set([
  'named',
  'called',
  'thanks',
  'thank',
  'thx',
  'hi',
  'hello',
  'hey',
  'dear',
  'ask',
  'asked',
  'colleague',
  'friend',
  'neighbour',
  'neighbor',
  'wife',
  'sister',
  'mum',
  'mom',
  'mother',
  'aunt',
  'daughter',
  'niece',
  'cousin',
  'grandma',
  'granny',
  'partner',
  'girlfriend',
  'boss',
  'manager',
  'is',
  'am',
  'was',
  'with',
  'by',
  'from',
  'cc',
  'miss',
  'mrs',
  'ms',
  'auntie',
  'lady',
  'agent',
  'advisor',
  'adviser',
  'rep',
  'tell',
  'tells',
  'told',
  'like',
]);
const NAME_AFTER = set([
  "'s",
  's',
  'from',
  'in',
  'at',
  'said',
  'says',
  'told',
  'tells',
  'helped',
  'was',
  'is',
  'has',
  'had',
  'and',
  'ordered',
  'got',
  'called',
  'wrote',
  'emailed',
  'mentioned',
  'asked',
  'who',
  'works',
  'herself',
  'replied',
  'answered',
  'sent',
  'gave',
  'explained',
  'promised',
  'kindly',
  'did',
  'does',
  'on',
  'here',
  'speaking',
  'again',
]);
const PASS_TO = set(['talk', 'speak', 'spoke', 'talked', 'send', 'sent', 'give', 'gave', 'email', 'emailed']);
const PASS_TO2 = set(['wrote', 'write', 'reply', 'replied', 'pass', 'passed', 'say', 'said', 'it', 'this', 'hello']);

/** Is this "sue" the name Sue? ("Sue from your team", "my colleague Sue", "thanks Sue!") */
export function isNameSue(words: Sentence, i: number): boolean {
  const w = words[i];
  if (w === undefined) return false;
  const prev = i > 0 && words[i - 1]?.clause === w.clause ? words[i - 1] : undefined;
  const next = words[i + 1]?.clause === w.clause ? words[i + 1] : undefined;
  if (prev !== undefined && prev.sk === 'to') {
    // "talk to Sue", "send the parcel to Sue" (a name) vs "going to sue" (the verb)
    if (w.title) return true;
    const before = words.slice(Math.max(0, i - 4), i - 1);
    return before.some((b) => PASS_TO.has(b.sk) || PASS_TO2.has(b.sk));
  }
  // a capitalised first word not followed by whom to sue: "Sue, my sister, will…", "Sue will call you"
  if (prev === undefined && w.title && (next === undefined || !VERB_AFTER.has(next.sk))) return true;
  // "thank you Sue"
  if ((prev?.sk === 'you' || prev?.sk === 'u') && ['thank', 'thanks'].includes(words[i - 2]?.sk ?? '')) return true;
  if (prev !== undefined && VERB_BEFORE.has(prev.sk)) return false;
  if (next !== undefined && VERB_AFTER.has(next.sk)) return false;
  if (prev !== undefined && NAME_BEFORE.has(prev.sk)) return true;
  if (next !== undefined && (NAME_AFTER.has(next.sk) || next.w === "'s") && (w.title || prev === undefined))
    return true;
  if (prev !== undefined && WEAK_VERB_BEFORE.has(prev.sk)) return false;
  if (next !== undefined && (NAME_AFTER.has(next.sk) || next.w === "'s")) return true;
  if (next !== undefined && next.title && w.title) return true;
  if (w.title && (i > 0 || w.person)) return true;
  return false;
}

const DEATH = set([
  'die',
  'dying',
  'dead',
  'death',
  'alive',
  'living',
  'live',
  'life',
  'exist',
  'existing',
  'existence',
]);
const LONGING = set([
  'want+',
  'wana',
  'wish',
  'ready',
  'tired',
  'done',
  'not',
  'reason',
  'point',
  'meaning',
  'meaningless',
  'pointless',
  'hopeless',
  'give',
  'keep',
  'anymore',
  'longer',
  'permanently',
  'forever',
  'thinking',
  'thoughts',
  'sick',
  'hate',
  'end',
  'over',
]);
const FIRST_PERSON = set(['i', 'me', 'my', 'myself', 'im']);
/** Words after a death or life word that make it ordinary: "dying to know", "live chat", "life hack". */
const ORDINARY_AFTER = set([
  'to',
  'of',
  'tired',
  'battery',
  'on',
  'in',
  'at',
  'near',
  'room',
  'rooms',
  'chat',
  'agent',
  'person',
  'tracking',
  'hack',
  'hacks',
  'time',
  'stream',
  'without',
  'with',
  'there',
  'here',
  'pixel',
  'pixels',
  'zone',
  'end',
  'saver',
  'expectancy',
  'insurance',
  'guarantee',
  'warranty',
  'cycle',
  'span',
]);
const ORDINARY_BEFORE = set([
  'battery',
  'shelf',
  'for',
  'real',
  'save',
  'saved',
  'whole',
  'of',
  'the',
  'a',
  'your',
  'arrived',
  'came',
  'is',
  'its',
  'it',
  'plant',
  'phone',
]);
const CONTRACT_WORDS = set([
  'subscription+',
  'membership+',
  'contract+',
  'plan+',
  'account+',
  'order+',
  'trial',
  'service',
]);

/**
 * The wide net for self-harm, where paraphrase is endless: a word of life or death close to a
 * word of longing, weariness or ending, in a sentence about the writer ("I'm so tired of being
 * alive", "I can't keep living like this"). Biased to fire: a false alarm costs a human's minute.
 */
const safetyNet: Rule = {
  id: 'safety.net',
  kind: 'safety',
  anchors: [...DEATH],
  negatable: false,
  find(words) {
    if (!words.some((w) => FIRST_PERSON.has(w.sk))) return [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (w === undefined || !DEATH.has(w.sk)) continue;
      const next = words[i + 1]?.clause === w.clause ? words[i + 1] : undefined;
      const prev = words[i - 1]?.clause === w.clause ? words[i - 1] : undefined;
      if (next !== undefined && ORDINARY_AFTER.has(next.sk)) continue;
      if (prev !== undefined && ORDINARY_BEFORE.has(prev.sk)) continue;
      for (let j = Math.max(0, i - 5); j <= i + 5 && j < words.length; j++) {
        const o = words[j];
        if (j !== i && o !== undefined && o.clause === w.clause && LONGING.has(o.sk)) {
          return [{ start: Math.min(i, j), end: Math.max(i, j) + 1 }];
        }
      }
    }
    return [];
  },
};

const sueRule: Rule = {
  id: 'legal.sue',
  kind: 'legal',
  anchors: [...SUE_FORMS],
  negatable: true,
  find(words) {
    const out: Span[] = [];
    words.forEach((w, i) => {
      if (!SUE_FORMS.has(w.sk)) return;
      // "su" only when it was stretched or spelled out of "sue" (skeleton of "suue" is "sue")
      if (w.sk === 'su') return;
      if ((w.sk === 'sue' || w.sk === 'sues') && isNameSue(words, i)) return;
      out.push({ start: i, end: i + 1 });
    });
    return out;
  },
};

const STANDALONE = STANDALONE_FILLERS;
/** A short sentence that is only a person word and fillers: "manager NOW", "real person please", "human". */
const standaloneRequest: Rule = {
  id: 'human.standalone',
  kind: 'human',
  anchors: [...STRONG],
  negatable: true,
  find(words) {
    if (words.length === 0 || words.length > 7) return [];
    const persons = words.filter((w) => STRONG.has(w.sk));
    if (persons.length === 0) return [];
    if (!words.every((w) => STRONG.has(w.sk) || STANDALONE.has(w.sk))) return [];
    // "human" alone can only be the person asked for if nothing else names one ("human error?" is not all fillers)
    return [{ start: 0, end: words.length }];
  },
};

// ---------------------------------------------------------------------------------------------
// The rules, class by class

export const RULES: Rule[] = [
  // self-harm: never cancelled by a negation (most of these phrases contain one)
  safetyNet,
  pattern('safety', 'safety.suicide', 'suicide+|suicidal|suicidally|suicde', { negatable: false }),
  pattern('safety', 'safety.harm-myself', '@selfHarmVerb @myself', { negatable: false }),
  pattern('safety', 'safety.self-harm', 'self harm+|injury|injure+|harming|mutilation', { negatable: false }),
  pattern('safety', 'safety.selfharm', 'selfharm+', { negatable: false }),
  pattern('safety', 'safety.end-life', 'end+|take|taking|took my own? life|lives', { negatable: false }),
  pattern('safety', 'safety.end-it-all', 'end+|take|finish it all|everything', { negatable: false }),
  pattern('safety', 'safety.end-everything', 'end+|finish everything|myself', { negatable: false }),
  pattern('safety', 'safety.end-it-soon', 'end|ending it tonight|today|soon|forever|once', { negatable: false }),
  pattern('safety', 'safety.ending-it', 'ending it $', { negatable: false }),
  pattern('safety', 'safety.want-end-it', 'want+|wanting|thinking|thought|plan+|planning|ready|going to? end it', {
    negatable: false,
    // "my subscription is too dear, I want to end it": "it" is the contract named just before
    veto: (m) => m.words.slice(Math.max(0, m.span.start - 6), m.span.start).some((w) => CONTRACT_WORDS.has(w.sk)),
  }),
  pattern('safety', 'safety.it-to-end', 'want+ it all? to end|stop', { negatable: false }),
  pattern('safety', 'safety.it-to-be-over', 'want+ it all? to be over', { negatable: false }),
  pattern('safety', 'safety.want-die', '@dieWant to? be? die|dead|dying', { negatable: false }),
  pattern('safety', 'safety.feel-like-dying', 'feel|felt|feeling like dying|death', { negatable: false }),
  pattern('safety', 'safety.wish-dead', 'wish i was|were dead|gone|never|not', { negatable: false }),
  pattern('safety', 'safety.better-off', 'better off dead|gone', { negatable: false }),
  pattern('safety', 'safety.better-off-without', 'better off without me', { negatable: false }),
  pattern('safety', 'safety.better-off-if', 'better off if i *2 gone|dead|here|around|alive', { negatable: false }),
  pattern('safety', 'safety.rather-dead', 'rather be dead|gone', { negatable: false }),
  pattern('safety', 'safety.not-want-live', 'not *2 want+|wish|wan to? be? live|exist|alive|living', {
    negatable: false,
  }),
  pattern('safety', 'safety.not-want-be-here', 'not *2 want+|wish|wan to? be here|around $', { negatable: false }),
  pattern('safety', 'safety.not-want-be-here-now', 'not *2 want+|wish|wan to? be here|around anymore|any|now', {
    negatable: false,
  }),
  pattern('safety', 'safety.not-wake', 'not|never wake up', { negatable: false }),
  pattern('safety', 'safety.no-reason-live', 'no|not|nothing|any reason|point|will *4 live|living|exist|alive', {
    negatable: false,
  }),
  pattern('safety', 'safety.point-of-living', 'point of|in living|life|existing', { negatable: false }),
  pattern('safety', 'safety.point-of-being-alive', 'point of|in being alive|here', { negatable: false }),
  pattern('safety', 'safety.nothing-to-live', 'nothing left? to live for', { negatable: false }),
  pattern('safety', 'safety.worth-living', 'worth living', { negatable: false }),
  pattern('safety', 'safety.life-not-worth', 'life is not worth', { negatable: false }),
  pattern('safety', 'safety.go-on-living', 'go|carry on living', { negatable: false }),
  pattern('safety', 'safety.cant-go-on', 'can|could not *1 go|carry|keep on|going $', { negatable: false }),
  pattern('safety', 'safety.cant-go-on-like', 'can|could not *1 go|carry|keep on|going like|anymore|any|living', {
    negatable: false,
  }),
  pattern('safety', 'safety.cant-take-it', 'can not *1 take|handle|bear it|this|life anymore|any', {
    negatable: false,
  }),
  pattern('safety', 'safety.disappear', 'want+|wish|going to? disappear|vanish', { negatable: false }),
  pattern('safety', 'safety.disappear-forever', 'disappear|vanish forever', { negatable: false }),
  pattern('safety', 'safety.disappear-for-good', 'disappear|vanish for good', { negatable: false }),
  pattern('safety', 'safety.overdose', 'overdose+', { negatable: false }),
  pattern('safety', 'safety.pills', 'take+|taking|took|swallow+ all my|the|of? pills|meds|medication|medicine', {
    negatable: false,
  }),
  pattern('safety', 'safety.pills-saved', 'pills|meds saved|stockpiled|hoarded', { negatable: false }),
  pattern('safety', 'safety.not-exist', 'wish|want+|rather|prefer *4 not|never exist|existed', { negatable: false }),
  pattern('safety', 'safety.never-born', 'wish *3 never been? born', { negatable: false }),
  pattern('safety', 'safety.if-i-died', 'if i died|disappeared', { negatable: false }),
  pattern('safety', 'safety.if-i-were-gone', 'if i was|were gone|dead|died', { negatable: false }),
  pattern('safety', 'safety.nobody-would-miss', 'nobody|noone|no one? would|will|even *2 miss me', {
    negatable: false,
  }),
  pattern('safety', 'safety.slang', 'kms|unalive+|kys', { negatable: false }),
  pattern('safety', 'safety.hang-myself', 'hang+|hanging|slit|slitting my? wrists|myself', { negatable: false }),
  pattern('safety', 'safety.no-way-out', 'no way out', { negatable: false }),
  pattern('safety', 'safety.sleep-forever', 'sleep forever|permanently', { negatable: false }),
  pattern('safety', 'safety.jump', 'jump+ *4 bridge|building|roof|cliff|train|tracks|balcony', { negatable: false }),
  pattern('safety', 'safety.not-around', 'not *4 be around|here much|for longer|long', { negatable: false }),
  pattern('safety', 'safety.done-with-life', 'done|finished|tired with|of life|living|existing', { negatable: false }),
  pattern('safety', 'safety.give-up-life', 'give|given|giving up on life|living', { negatable: false }),
  pattern('safety', 'safety.burden', 'burden to|on|for everyone|everybody|them', { negatable: false }),
  pattern('safety', 'safety.burden-family', 'burden to|on|for my family|kids|children|wife|husband|parents', {
    negatable: false,
  }),
  pattern('safety', 'safety.am-burden', 'am|being|just a burden', { negatable: false }),

  // legal
  sueRule,
  pattern('legal', 'legal.lawyer', '@lawyer', { veto: lawyerNotAThreat }),
  pattern('legal', 'legal.court', 'to|in|into court+|tribunal'),
  pattern('legal', 'legal.court-case', 'court case|action|order|hearing|proceedings|summons|claim|date'),
  pattern('legal', 'legal.small-claims', 'small claim+'),
  pattern('legal', 'legal.legal-action', 'legal @legalThing'),
  pattern('legal', 'legal.legal-team', 'legal @legalBody', { veto: theirOwn }),
  pattern('legal', 'legal.legally', 'legally'),
  pattern('legal', 'legal.consumer-body', 'consumer @agency'),
  pattern('legal', 'legal.trading-standards', 'trading standards'),
  pattern('legal', 'legal.bbb', 'better business bureau'),
  pattern('legal', 'legal.citizens-advice', 'citizens advice'),
  pattern('legal', 'legal.report-to', 'report+|call+|contact+|phone+|inform+|notify *4 @authorities'),
  pattern('legal', 'legal.authorities', 'ftc|bbb|fca|cfpb|acma'),
  pattern('legal', 'legal.breach', 'breach of contract|warranty|consumer'),
  pattern('legal', 'legal.class-action', 'class action'),
  pattern('legal', 'legal.cease', 'cease and desist'),
  pattern('legal', 'legal.rights', 'know|aware of? my|our rights'),
  pattern('legal', 'legal.statutory', 'statutory|consumer rights'),

  // fraud, unauthorised use, account takeover
  pattern('fraud', 'fraud.word', '@fraudWord', { veto: (m) => fraudCompound(m) || familyQuote(m) }),
  pattern('fraud', 'fraud.steal', '@steal', { veto: stealNotFraud }),
  pattern('fraud', 'fraud.ripped-off', 'ripped|ripping|rip|ripoff me|us|people|customers|everyone|ppl? off'),
  pattern('fraud', 'fraud.rip-off', 'a|total|complete|absolute|such rip off'),
  pattern('fraud', 'fraud.unauthorised', '@unauth *2 @payThing', { veto: unauthorisedElsewhere }),
  pattern('fraud', 'fraud.taken-over', 'taken|took|take over my? account+|profile|email|login'),
  pattern(
    'fraud',
    'fraud.account-taken',
    'account+|profile|email|login was|got|been|has|is taken|hijacked|stolen|compromised',
  ),
  pattern('fraud', 'fraud.hijack', 'hijack+'),
  pattern(
    'fraud',
    'fraud.used-by',
    '@accountThing was|got|been|has|is|were used|accessed|charged by @intruder|else|another',
  ),
  pattern(
    'fraud',
    'fraud.strange-charge',
    'unknown|mystery|fake|unexplained|strange|weird|random charge+|transaction+|debit+',
  ),
  pattern('fraud', 'fraud.unauthorised-alone', 'unauthorised|unauthorized|unauthorise|unauthorize', {
    veto: noPaymentContext,
  }),
  pattern('fraud', 'fraud.never-authorised', 'not|never *1 authorise+|authorize+|consent+', { negatable: false }),
  pattern('fraud', 'fraud.without-consent', 'without my|our|me|any|asking? @consent', {
    negatable: false,
    veto: noConsentContext,
  }),
  pattern('fraud', 'fraud.without-asking', 'without asking|telling|checking', {
    negatable: false,
    veto: noConsentContext,
  }),
  pattern('fraud', 'fraud.not-me', 'i|we *2 not|never @madeVerb', { negatable: false, veto: notMeNotFraud }),
  pattern('fraud', 'fraud.not-by-me', 'not|never @madeVerb by me|us', { negatable: false }),
  pattern('fraud', 'fraud.was-not-me', 'was|is|were not me|us', { negatable: false, veto: noConsentContext }),
  pattern('fraud', 'fraud.not-mine', '@payThing *2 is|are|was|were not mine|ours', { negatable: false }),
  pattern('fraud', 'fraud.no-idea', '@payThing *5 no idea|clue about|of', { negatable: false }),
  pattern('fraud', 'fraud.hacked', 'hack+|hackers|hacker', {
    veto: (m) => noAccountContext(m) && !['hacker', 'hackers'].includes(m.words[m.span.start]?.sk ?? ''),
  }),
  pattern('fraud', 'fraud.compromised', 'compromised|breached|cloned|skimmed', { veto: noAccountContext }),
  pattern('fraud', 'fraud.intruder', '@intruder *4 @takeover *3 @accountThing', { negatable: false }),
  pattern(
    'fraud',
    'fraud.credentials-changed',
    'password+|login+|pin|credentials was|got|been|were|has|have been? changed|reset',
  ),
  pattern('fraud', 'fraud.in-my-name', 'in my name', { veto: noConsentContext }),
  pattern('fraud', 'fraud.chargeback', 'chargeback+|charge-back'),
  pattern('fraud', 'fraud.charge-back', 'a|file|do|request|open|start|initiate|issue|filing|doing|raise charge back'),
  pattern('fraud', 'fraud.dispute', 'dispute+|disputing', { veto: noPaymentContext }),
  pattern('fraud', 'fraud.bank-reverse', '@bank *6 @bankAct'),
  pattern('fraud', 'fraud.reverse-bank', '@bankAct *6 @bank'),

  // distress
  pattern('distress', 'distress.word', '@distressWord', { veto: distressNounModifier }),
  pattern('distress', 'distress.beyond-joke', 'beyond a joke'),

  // a person
  standaloneRequest,
  pattern('human', 'human.talk-to', '@talk to|with @det? @real? @strong|@weak', { veto: notARequest }),
  pattern('human', 'human.talk-to-service', '@talk to|with @det? customer|client service|services|support|care', {
    veto: notARequest,
  }),
  pattern('human', 'human.transfer', '@xfer @me? @me? through? to|with @det? @real? @strong|@weak', {
    veto: notARequest,
  }),
  pattern('human', 'human.transfer-service', '@xfer @me? through? to @det? customer service|support|care', {
    veto: notARequest,
  }),
  pattern('human', 'human.human-help', '@want @det? human|real|live|actual|personal help|assistance|support'),
  pattern('human', 'human.contacted-by', 'contacted|called|phoned|rung|helped|emailed by @det? @real? @strong|@weak', {
    veto: notARequest,
  }),
  pattern('human', 'human.put-on', 'put|get @det @real? @strong on', { veto: notARequest }),
  pattern('human', 'human.transfer-me', '@xfer me|us $'),
  pattern('human', 'human.escalate', 'escalate+|escalation'),
  pattern('human', 'human.want', '@want me|us? @det? @real? @strong', { veto: notARequest }),
  pattern('human', 'human.would-like', 'would|like|love like|love|prefer @det? @real? @strong', { veto: notARequest }),
  pattern('human', 'human.or-a-manager', '@want *6 or @det @real? @strong', { veto: notARequest }),
  pattern('human', 'human.rather', 'rather have|get @det? @real? @strong|@weak', { veto: notARequest }),
  pattern('human', 'human.want-someone', '@want @weak *5 @contact', { veto: notARequest }),
  pattern('human', 'human.someone-in-charge', '@weak in charge', { veto: notARequest }),
  pattern('human', 'human.someone-real', '@weak real|human|senior|higher|competent', { veto: notARequest }),
  pattern('human', 'human.who-can-help', '@weak who|that can|could *1 help', { veto: notARequest }),
  pattern(
    'human',
    'human.can-someone',
    'can|could|may|will|would|please|have|get|let @det? @real? @strong|@weak *5 @contact',
    {
      veto: notARequest,
    },
  ),
  pattern('human', 'human.can-a-human-help', 'can|could|may|will|would|please|let @det? @real? @strong *3 help', {
    veto: notARequest,
  }),
  pattern('human', 'human.is-there', 'is|are there @det? @real? @strong|@weak', { veto: notARequest }),
  pattern('human', 'human.someone-call-me', '@strong|@weak *4 call|phone|ring|contact|email me|us', {
    veto: notARequest,
  }),
];

/** Highest priority first: the order `detectTrigger` reports, and the order of `detectTriggers`. */
export const KIND_ORDER: TriggerKind[] = ['safety', 'legal', 'fraud', 'distress', 'human'];

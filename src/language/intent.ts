/**
 * Does the customer ask for their money back, or withdraw that request? Decided from their own
 * words, before any model: a withdrawal always wins ("I don't want a refund, I want a replacement").
 */
import { compile, findAll, type Pattern, type Span } from './pattern.js';
import { plainSentences } from './plain-words.js';
import type { Sentence } from './tokens.js';

export type RefundIntent = 'wants' | 'retracts' | 'none';

const GROUPS: Record<string, string[]> = {
  money: ['money', 'cash', 'funds', 'payment', 'dollars', 'euros', 'pounds', 'bucks', 'quid'],
};
const p = (source: string) => compile(source, GROUPS);

/** "refund" and its common misspellings: one edit (or one swap of neighbours) away. */
const REFUND_FORMS = ['refund', 'refunds', 'refunded', 'refunding'];
function nearRefund(word: string): boolean {
  if (word.length < 5 || word.length > 10) return false;
  if (!word.startsWith('r')) return false;
  return REFUND_FORMS.some((f) => withinOneEdit(word, f));
}

/** Optimal string alignment distance ≤ 1 (a substitution, insertion, deletion or swap of neighbours). */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const restA = a.slice(i);
  const restB = b.slice(i);
  if (restA.slice(1) === restB.slice(1)) return true; // substitution
  if (restA.slice(1) === restB || restA === restB.slice(1)) return true; // insertion / deletion
  return restA.length >= 2 && restA[0] === restB[1] && restA[1] === restB[0] && restA.slice(2) === restB.slice(2);
}

const MONEY_WORDS = new Set([
  'reimburse',
  'reimbursed',
  'reimbursement',
  'reimbursment',
  'reembursement',
  'reembursed',
]);
const isRefundWord = (sk: string, w: string) =>
  nearRefund(w) || nearRefund(sk) || MONEY_WORDS.has(w) || /^(?:reimburs|reembours|compensat|repay)/.test(w);

const WANT: Pattern[] = [
  p('@money back'),
  p('back my @money'),
  p('give|pay|send me back'),
  p('give|pay|send back what'),
  p('pay me back'),
  p('give|send|return|want|need|get|put my|the @money'),
  p('@money returned|refunded'),
  p('credit my|the card|account'),
  p('paid *6 want|need it|that back'),
];

const RETRACT: Pattern[] = [p('hold off'), p('keep your|the money'), p('change+ my mind about the|my? refund+')];

/** After a mention of a refund: asking where it is, not asking for one ("did my refund go through?"). */
const STATUS: Pattern[] = [
  p('go|gone|went|gotten|get through'),
  p('arrive+|processed|processing|pending|status|policy|issued|sent|showing|show'),
  p('where|when is|wil'),
  p('been'),
];

const NEGATORS = new Set(['not', 'no', 'never', 'without']);
const QUESTION_MODALS = new Set(['can', 'could', 'why', 'wil', 'would', 'should']);
const RECEIVED = new Set(['got', 'goten', 'received', 'seen', 'sen', 'had']);
const DID = new Set(['did', 'do', 'does', 'have', 'has']);

/** "I don't want a refund" withdraws; "can't you just refund it?" and "I haven't got my refund" do not. */
function negated(words: Sentence, at: number): boolean {
  const clause = words[at]?.clause;
  for (let j = at - 1; j >= 0 && j >= at - 5; j--) {
    const w = words[j];
    if (w === undefined || w.clause !== clause) return false;
    if (!NEGATORS.has(w.sk)) continue;
    if (QUESTION_MODALS.has(words[j - 1]?.sk ?? '')) return false;
    // "I haven't got my refund", "I didn't get it": a complaint about a refund, not a refusal of one
    const did = DID.has(words[j - 1]?.sk ?? '');
    for (let k = j + 1; k < at; k++) {
      const sk = words[k]?.sk ?? '';
      if (RECEIVED.has(sk) || (did && (sk === 'get' || sk === 'receive'))) return false;
    }
    return true;
  }
  return false;
}

function refundMentions(words: Sentence, present: ReadonlySet<string>): Span[] {
  const spans: Span[] = [];
  words.forEach((w, i) => {
    if (isRefundWord(w.sk, w.w)) spans.push({ start: i, end: i + 1 });
  });
  for (const pat of WANT) spans.push(...findAll(pat, words, present));
  return spans;
}

const RETRACT_VERBS = new Set([
  'forget',
  'skip',
  'scrap',
  'drop',
  'stop',
  'halt',
  'withdraw',
  'retract',
  'undo',
  'hold',
  'mind',
  'nevermind',
  'bother',
]);
const isRetractVerb = (sk: string) => RETRACT_VERBS.has(sk) || sk.startsWith('cancel');

/** Is the mention at `span` about a refund already asked for ("did my refund go through?")? */
function isStatus(words: Sentence, span: Span): boolean {
  const clause = words[span.start]?.clause;
  const around = words.filter(
    (w, i) => w.clause === clause && i >= span.start - 3 && i < span.end + 4 && (i < span.start || i >= span.end),
  );
  const present = new Set(around.map((w) => w.sk));
  return STATUS.some((pat) => findAll(pat, around, present).length > 0);
}

/** 'retracts', 'wants' or 'none' (see the file comment). */
export function refundIntent(text: string): RefundIntent {
  let wants = false;
  for (const { words } of plainSentences(text)) {
    const present = new Set(words.map((w) => w.sk));
    if (RETRACT.some((pat) => findAll(pat, words, present).length > 0)) return 'retracts';
    for (const span of refundMentions(words, present)) {
      if (negated(words, span.start)) return 'retracts';
      // "forget the refund", "cancel the refund", "never mind the money back"
      const clause = words[span.start]?.clause;
      const before = words.slice(Math.max(0, span.start - 3), span.start).filter((w) => w.clause === clause);
      if (before.some((w) => isRetractVerb(w.sk))) return 'retracts';
      if (!isStatus(words, span)) wants = true;
    }
  }
  return wants ? 'wants' : 'none';
}

/**
 * What one clause of a customer message asks for: a refund, where an order is, a cancellation,
 * a replacement, the options ("a refund or a repair?"), or no refund (refused or taken back:
 * "forget the refund", "hold off for now"). The latest wording in the clause wins, so
 * "forget what I said, I want a refund" is a refund and "refund it... actually no, hold off" is not.
 */
import { anyOf, fuzzyIn, wordsOf } from './text.js';

export type Intent = 'refund' | 'status' | 'cancel' | 'no_refund' | 'replace' | 'options';

const REFUNDISH = '(?:refunds?|return|money back|reimbursement|cash back)';
const SOFT_NEG = "(?:do ?n'?t|do not|dont|no need to|not|never|no|without)";

/** A refusal or a retraction of a refund. Matched first; the words it covers mean nothing else. */
const NO_REFUND: RegExp[] = [
  new RegExp(
    `\\b${SOFT_NEG} (?:want|need|looking for|asking for|interested in|wanting|after)? ?` +
      `(?:a |any |the |my |for a |for the )?${REFUNDISH}\\b`,
  ),
  new RegExp(
    "\\b(?:do ?n'?t|do not|dont|never ?mind|no need to|not going to) (?:refund|reimburse|process|issue|do)\\b" +
      '(?: it| that| this)?',
  ),
  new RegExp(
    '\\b(?:forget|cancel|scrap|drop|skip|stop|withdraw|call off|hold off|hold|pause|scratch|undo|revoke|retract)' +
      `(?: (?:about|on|with))?(?: (?:the|my|that|this|your))? (?:${REFUNDISH}|request)\\b`,
  ),
  anyOf([
    'hold (?:off|on)',
    'never ?mind',
    'forget (?:it|about it|that|what i said|i asked|i said)',
    'put (?:it|that) on hold',
  ]),
  /\b(?:i'?ll|i will|let me|i'?d rather|i want to|gonna|i can) (?:just )?keep (?:it|them|this|the)\b/,
  new RegExp(`\\bchang\\w* (?:my|our) minds? (?:about|on) (?:the |my |that )?${REFUNDISH}`),
  /\b(?:it'?s|its|it is|everything'?s|all is|that'?s) (?:fine|ok|okay|alright|all right|good|sorted|working|resolved)/,
  /\b(?:it|they|everything) (?:works?|is working|started working|working) (?:now|again|fine now|after all)\b/,
  /\bfound (?:it|them)\b(?= ?$| (?:after all|now|in|under|at|behind|with|on|outside)\b)/,
  /\b(?:arrived|turned up|showed up|came) after all\b/,
  /\b(?:i'?ll|i will|i can|i'?m happy to|let me|i'?d rather) wait\b/,
  /\b(?:let me think|i'?ll think|i need to think|i'?ll pass|rather not|not (?:right )?now|maybe later)\b/,
];
// "it's fine" only counts as taking the request back with "now", "for now", "after all"…
const FINE_NOW =
  /\b(?:fine|ok|okay|alright|all right|good|sorted|working|resolved) (?:now|for now|after all|again|actually)\b/;

/** Whole-clause hedges ("wait", "not yet", "no thanks"). */
const HEDGE_CLAUSE =
  /^(?:no thanks?|no thank you|not yet|later|wait|hang on|hold on|one (?:sec|second|moment)|not needed|pass)$/;
const FILLER = /\b(?:actually|oh|ok|okay|um+|uh+|hmm+|well|please|pls|just|sorry|so|hey)\b/g;

/** Asking about a refund that exists or should exist: a status question, not a new request. */
const REFUND_STATUS: RegExp[] = [
  /\bwhere(?:'s| is) (?:my|the) (?:refund|money)\b/,
  /\b(?:status|update|news) (?:of|on|about) (?:my|the) refund\b/,
  /\b(?:did|has|is|was) (?:my|the) refund\b/,
  /\b(?:did|have) you (?:refund|process|issue|send)(?:ed)?\b/,
  /\b(?:still|yet) (?:no|not|have ?n'?t|have no|did ?n'?t|not got)\b[^.?!,]{0,20}\brefund/,
  /\b(?:have ?n'?t|have not|did ?n'?t|did not) (?:got|get|gotten|received|seen) (?:my|the|a|any) refund\b/,
];

const OPTIONS: RegExp[] = [
  new RegExp(`\\b${REFUNDISH} or (?:a |an )?(?:repair|replacement|exchange|new one|store credit|credit|voucher|fix)`),
  new RegExp(`\\b(?:repair|replacement|exchange|new one|store credit|voucher)s? or (?:a |an |my )?${REFUNDISH}`),
  /\bwhat (?:are|r) (?:my|the) options\b/,
];

const REPLACE = anyOf([
  'replacement',
  'replace (?:it|them|this|the)',
  'exchange (?:it|them|this|for)',
  'an exchange',
  'swap (?:it|them)',
  'send (?:me )?(?:a |another )?(?:new|replacement|fresh|working) (?:one|unit|item)',
  'a new one',
  'another one',
  'repair (?:it|them)',
  'get it (?:repaired|fixed)',
  'fix (?:it|them)',
]);

const REFUND_PHRASES: RegExp[] = [
  /\b(?:money|cash|payment|funds?) (?:back|returned|return)\b/,
  /\b(?:give|send|pay|get|want|have|put|return) (?:me )?(?:back )?(?:my|the) (?:money|cash|payment|funds)\b/,
  /\b(?:back what i|what i (?:paid|payed|spent) back|refund what i)\b/,
  /\b(?:pay (?:me|us) back|credit (?:me|my (?:card|account))|reverse the (?:charge|payment)|my money)\b/,
  /\b(?:send|sending|mail|post|ship) (?:it |this |them |that |these )?back\b/,
  /\b(?:take|taking|bring) (?:it|this|them|that|these) back\b/,
  /\b(?:compensat\w*|reimburs\w*|charge ?back|credit (?:it )?back)\b/,
];
const REFUND_WORDS = ['refund', 'refunds', 'refunded', 'refunding', 'return', 'returns', 'returning', 'returned'];
const FOREIGN_REFUND_WORDS = ['reembolso', 'remboursement', 'rimborso', 'erstattung', 'rückerstattung', 'devolucion'];

const STATUS = anyOf([
  'where',
  'status',
  'track(?:ing)?',
  'when (?:will|is|does|do|should|can)',
  '(?:has|have) (?:it|they|my order) (?:shipped|been shipped|arrived)',
  'shipped yet|arrive yet|eta|delivery date|update on|any (?:news|update)',
  'check (?:on )?(?:my |the |an |this |that )?order|check (?:it|on it)',
  'look (?:up|into|at)|lookup|what happened (?:to|with)',
]);
const CANCEL = /\b(?:cancel\w*|unsubscribe|stop (?:my |the )?(?:subscription|order|renewals?))\b/;

/** One clause's explicit intent (null when it only states a reason or nothing), and where it was said. */
export interface ClauseIntent {
  intent: Intent | null;
  /** Offset in the clause of the winning wording (for "latest wins" across clauses). */
  at: number;
  /** The clause refuses or takes back a refund (a stated reason then does not mean a refund). */
  refuses: boolean;
}

/** Blanks matched text (same length), so later patterns do not see it and offsets stay valid. */
const globalCache = new WeakMap<RegExp, RegExp>();
const globalOf = (re: RegExp): RegExp => {
  let g = globalCache.get(re);
  if (!g) globalCache.set(re, (g = new RegExp(re.source, 'g')));
  return g;
};

function take(text: string, patterns: RegExp[], found: Array<{ intent: Intent; at: number }>, intent: Intent): string {
  let out = text;
  for (const re of patterns) {
    out = out.replace(globalOf(re), (m: string, ...rest: unknown[]) => {
      const at = rest.find((x): x is number => typeof x === 'number') ?? 0;
      found.push({ intent, at });
      return ' '.repeat(m.length);
    });
  }
  return out;
}

function firstAt(re: RegExp, text: string): number {
  const m = re.exec(text);
  return m ? m.index : -1;
}

/** The explicit intent of one normalised clause. `question`: the sentence is a question. */
export function clauseIntent(clause: string, question: boolean): ClauseIntent {
  const found: Array<{ intent: Intent; at: number }> = [];
  const bare = clause
    .replace(FILLER, ' ')
    .replace(/[^a-z' ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (HEDGE_CLAUSE.test(bare)) found.push({ intent: 'no_refund', at: 0 });
  let rest = take(clause, REFUND_STATUS, found, 'status');
  rest = take(rest, OPTIONS, found, question ? 'options' : 'refund');
  const before = found.length;
  rest = take(rest, NO_REFUND, found, 'no_refund');
  // "it's fine" without "now"/"for now"/"after all" does not take anything back
  for (let i = found.length - 1; i >= before; i--) {
    const f = found[i]!;
    if (
      /^(?:it'?s|its|it is|everything'?s|all is|that'?s) /.test(clause.slice(f.at)) &&
      !FINE_NOW.test(clause.slice(f.at))
    )
      found.splice(i, 1);
  }
  const refuses = found.some((f) => f.intent === 'no_refund');
  rest = take(rest, [REPLACE], found, 'replace');
  rest = take(rest, [CANCEL], found, 'cancel');
  for (const re of REFUND_PHRASES) {
    const at = firstAt(re, rest);
    if (at >= 0) found.push({ intent: 'refund', at });
  }
  const words = rest.matchAll(/[a-z\u00e0-\u00ff]+/g);
  for (const w of words) {
    if (fuzzyIn(w[0], REFUND_WORDS) || FOREIGN_REFUND_WORDS.includes(w[0]))
      found.push({ intent: 'refund', at: w.index ?? 0 });
  }
  const status = firstAt(STATUS, rest);
  if (status >= 0) found.push({ intent: 'status', at: status });
  if (found.length === 0) return { intent: null, at: 0, refuses };
  // latest wording wins; at the same place, a refusal wins
  let best = found[0]!;
  for (const f of found) if (f.at > best.at || (f.at === best.at && f.intent === 'no_refund')) best = f;
  return { intent: best.intent, at: best.at, refuses };
}

/** True when the whole message is a bare "no" (an answer to an offer). */
export function isBareNo(normalised: string): boolean {
  const bare = normalised
    .replace(FILLER, ' ')
    .replace(/[^a-z' ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return /^(?:no|nope|nah|no no|not really)(?: thanks?| thank you)?$/.test(bare);
}

/** A sentence is a question when it ends with "?" or opens like one ("would I get…", "can I…"). */
export function isQuestion(sentence: string): boolean {
  const words = wordsOf(sentence);
  return (
    sentence.includes('?') || /^(?:would|could|can|do|does|is|are|will|what|which|how|should)$/.test(words[0] ?? '')
  );
}

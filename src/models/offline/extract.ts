/**
 * What the offline planner reads from one customer message: emails, order ids, intent, refund
 * reason and tone. Pure functions of the text; nothing here is trusted (the machine decides).
 */

export type RefundReason = 'damaged' | 'not_received' | 'wrong_item' | 'changed_mind' | 'billing_error';
export type Intent = 'refund' | 'status' | 'cancel';

export interface MessageSignals {
  emails: string[];
  orderIds: string[];
  intent: Intent | null;
  reason: RefundReason | null;
  /** Asks for a person (the code-level trigger usually escalated already). */
  wantsHuman: boolean;
  /** Upset or complaining: the reply opens with an apology. */
  upset: boolean;
  greeting: boolean;
  thanks: boolean;
  /** A bare "yes" / "please do" (answers an offer in the previous reply). */
  affirmative: boolean;
  /** Refers to an order other than the one discussed so far ("another order"). */
  otherOrder: boolean;
}

/** Lowercase, straight apostrophes, single spaces. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

const EMAIL = /[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/gi;

// "my email is X", "email: X", "I'm X", "this is X": the customer saying which address is theirs
const CLAIMED_EMAIL = /\b(?:my (?:e-?mail|address|account)(?: address)?(?: is|:)?|e-?mail(?: address)?(?: is|:)|i'?m|i am|this is|it'?s)\s+([a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+)/gi;

/** Emails in the text; the one the customer claims as theirs comes last (the planner verifies the last). */
export function extractEmails(text: string): string[] {
  const clean = (e: string) => e.replace(/[.-]+$/, '').toLowerCase();
  const all = (text.match(EMAIL) ?? []).map(clean);
  const claimed = [...text.matchAll(CLAIMED_EMAIL)].map((m) => clean(m[1] ?? ''));
  if (claimed.length === 0) return all;
  return [...all.filter((e) => !claimed.includes(e)), ...claimed.filter((e, i) => claimed.indexOf(e) === i)];
}

// "ORD-8842", "ord 8842", "ORD8842", "order #8842", "order number: 8842", "Order no. 8842"
const ORDER_ID = /\bord(?:er)?[\s#:_-]*(?:(?:number|num|no\.?|id)[\s#:_-]*(?:(?:is|was)\s+)?)?(\d{3,10})\b/gi;
// a bare "#8842"
const HASH_ID = /(?:^|[\s(])#\s?(\d{4,10})\b/g;

/** Order ids in the text, normalised to ORD-<digits>, in order of appearance, without duplicates. */
export function extractOrderIds(text: string): string[] {
  const found: Array<{ at: number; id: string }> = [];
  for (const m of text.matchAll(ORDER_ID)) found.push({ at: m.index ?? 0, id: `ORD-${m[1]}` });
  for (const m of text.matchAll(HASH_ID)) found.push({ at: m.index ?? 0, id: `ORD-${m[1]}` });
  found.sort((a, b) => a.at - b.at);
  return [...new Set(found.map((f) => f.id))];
}

/** Most specific first: "it's broken and I don't want it" is damaged. */
const REASONS: Array<[RefundReason, RegExp]> = [
  [
    'damaged',
    /\b(broken|broke|damaged|damage|cracked|crack|smashed|shattered|defective|faulty|dented|scratched|leaking|leaks|torn|ripped|dead on arrival|(does ?n'?t|does not|did ?n'?t|did not|wo ?n'?t|will not) (work|turn on|start|switch on|power on)|not working|stopped working|no longer works|malfunction\w*)\b/,
  ],
  [
    'wrong_item',
    /\b(wrong (item|size|colou?r|product|model|thing|one|book|version|order)|not what i (ordered|bought|asked for)|(is ?n'?t|is not|was ?n'?t|was not) what i (ordered|bought)|incorrect (item|size|product|colou?r)|sent (me )?the wrong|different (item|product|thing) (than|from))\b/,
  ],
  [
    'not_received',
    /\b(never (arrived|came|showed up|turned up|got (it|them|here)|received|delivered)|(did ?n'?t|did not|has ?n'?t|has not|have ?n'?t|have not|had ?n'?t) (arrive|arrived|come|came|show up|shown up|turn up|get it|got it|receive|received|been delivered)|not (been )?(received|arrived|delivered)|lost (in (transit|the post|the mail)|package|parcel|order)|(package|parcel|order|it) (is|was|got) lost|never got|still (waiting|not here|hasn'?t)|missing (package|parcel|order|delivery))\b/,
  ],
  [
    'billing_error',
    /\b(charged (me )?(twice|two times|double|more|too much)|double[- ]?charged|charged (me )?(the )?wrong|wrong (amount|price|charge|total)|over-?charged|billing|billed (me )?(twice|wrong|incorrectly)|duplicate (charge|payment)|charged for something)\b/,
  ],
  [
    'changed_mind',
    /\b(chang(e|ed|ing) (my|our) mind|(do ?n'?t|do not|did ?n'?t|did not) (want|need|like|use) (it|this|that|them|these) ?(any ?more)?|no longer (want|need|use)|not needed any ?more|(ordered|bought) (it )?(by mistake|by accident|accidentally)|accidentally (ordered|bought)|(do ?n'?t|do not) want it)\b/,
  ],
];

const NOT_REFUND = /\b(do ?n'?t|do not|not|no) (want|need|looking for|asking for|interested in)? ?(a |any )?(refund|return)s?\b|\bno refunds?\b/g;
const REFUND = /\b(refund\w*|return(ing|ed|s)?|money back|send (it|this|them|that) back|sending (it|this|them) back|reimburs\w*|compensat\w*|my money|charge ?back|credit (it )?back)\b/;
const STATUS =
  /\b(where\b|status|track(ing)?|when (will|is|does|do|should|can)|(has|have) (it|they|my order) (shipped|been shipped|arrived)|shipped yet|arrive yet|eta|delivery date|update on|any (news|update)|check (on )?(my |the |an |this |that )?order|check (it|on it)|look (up|into|at)|lookup|what happened (to|with))\b/;
const HUMAN =
  /\b(human|real person|(speak|talk|chat|connect|transfer|put|pass|get) (me )?(through )?(to|with) (a |an |your |the |some )?(real )?(manager|supervisor|representative|rep|agent|operator|staff|someone|somebody|person|team member|people)|live (agent|chat|person)|escalate (this|it|me)|(want|need) (a|an|the|your) (manager|supervisor))\b/;
const UPSET =
  /\b(unacceptable|terrible|awful|horrible|ridiculous|angry|upset|frustrat\w*|disappoint\w*|annoy\w*|worst|furious|fed up|disgust\w*|outrageous|pathetic|useless)\b/;
const CANCEL = /\b(cancel\w*|unsubscribe|stop (my |the )?(subscription|order|renewals?))\b/;
const AFFIRMATIVE = /^(yes|yeah|yep|yup|sure|ok(ay)?|please( do)?|go ahead|do it|that would be (great|good|nice)|y)\b[\s,.!]*(please|thanks|thank you)?[\s.!]*$/;
const GREETING = /^(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|greetings)\b/;
const THANKS = /\b(thanks|thank (you|u)|thx|ty|cheers|appreciate (it|that|your help)|much appreciated|great,? thanks|perfect)\b/;
const OTHER_ORDER = /\b(another|other|second|different|one more|new) (order|one|item|purchase)\b/;

export function detectReason(text: string): RefundReason | null {
  const t = normalise(text);
  for (const [reason, re] of REASONS) if (re.test(t)) return reason;
  return null;
}

/**
 * Explicit refund words win; then cancelling; then a question about where the order is (even
 * "it hasn't arrived, where is it?"); then a refund reason ("it arrived broken") means a refund.
 */
export function detectIntent(text: string): Intent | null {
  const n = normalise(text);
  // "I do not want a refund" is a refusal: a refund reason alone must not turn it into a refund
  const refused = new RegExp(NOT_REFUND.source).test(n);
  const t = n.replace(NOT_REFUND, ' ');
  if (REFUND.test(t)) return 'refund';
  if (CANCEL.test(t)) return 'cancel';
  const reason = detectReason(t);
  if (STATUS.test(t) && (reason === null || reason === 'not_received')) return 'status';
  return reason !== null && !refused ? 'refund' : null;
}

export function readMessage(text: string): MessageSignals {
  const t = normalise(text);
  return {
    emails: extractEmails(text),
    orderIds: extractOrderIds(text),
    intent: detectIntent(text),
    reason: detectReason(text),
    wantsHuman: HUMAN.test(t),
    upset: UPSET.test(t),
    greeting: GREETING.test(t),
    thanks: THANKS.test(t),
    affirmative: AFFIRMATIVE.test(t),
    otherOrder: OTHER_ORDER.test(t),
  };
}

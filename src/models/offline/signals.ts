/**
 * Tone and hand-over signals of one customer message: a request for a person, distress, a legal
 * threat, fraud or account takeover (the code-level triggers escalate most of these first; the
 * planner is a second reader for paraphrases), upset, greetings, thanks, a bare yes, a one-time code.
 * Input is normalised text (see text.ts).
 */
import { anyOf } from './text.js';

export type Alarm = 'self_harm' | 'legal' | 'fraud';

const PEOPLE =
  '(?:human|humans|person|people|manager|supervisor|representative|rep|agent|operator|staff|someone|somebody|' +
  'team member|colleague|boss|employee|specialist|customer service|one of you|anyone|anybody)';
const WANTS_HUMAN: RegExp[] = [
  new RegExp(
    '\\b(?:speak|talk|chat|connect|transfer|put|pass|get|switch|escalate|hand|forward) (?:me |this |it )?' +
      '(?:through |over |across )?(?:to|with) ' +
      `(?:a |an |your |the |some |one of your |actual |real |live )*${PEOPLE}s?\\b`,
  ),
  new RegExp(
    "\\b(?:i want|i need|i'?d like|can i (?:have|get)|give me|get me|let me (?:speak|talk) to) " +
      '(?:a |an |your )?(?:real |actual |live )?(?:human|person|manager|supervisor|agent)\\b',
  ),
  /\b(?:real|actual|live) (?:person|human|agent|people)\b/,
  /\bis (?:there|this) (?:a |an )?(?:real |actual )?(?:human|person)\b/,
  /\b(?:human|person|agent|manager) please\b/,
  /\bescalate (?:this|it|me|my case)\b/,
];
// "no need to get a manager involved", "I don't want to talk to anyone"
const NEGATED = /\b(?:no need|do ?n'?t|do not|does ?n'?t|is ?n'?t|was ?n'?t|are ?n'?t|not|never|without|no)\b/;

const ALARMS: Array<[Alarm, RegExp[]]> = [
  [
    'self_harm',
    [
      /\b(?:kill|hurt|harm) myself\b|\bend (?:my life|it all)\b|\bsuicid\w*|\bwant to die\b|\bbetter off dead\b/,
      /\b(?:do ?n'?t|do not) want to (?:live|be alive|be here any ?more)\b/,
      /\bno (?:reason|point) (?:to|in) (?:live|living|go on|going on)\b/,
      /\bcan'?t go on\b|\bnot worth living\b|\btake my (?:own )?life\b|\bdo something to myself\b/,
    ],
  ],
  [
    'legal',
    [
      /\b(?:lawyers?|attorneys?|solicitors?|lawsuit|legal (?:action|steps|proceedings|team|department)|small claims)\b/,
      /\b(?:sue (?:you|your|the|them|this)|suing|(?:see|take) you (?:in|to) court|court case)\b/,
      /\b(?:trading standards|consumer protection|ombudsman|better business bureau|report you to)\b/,
    ],
  ],
  [
    'fraud',
    [
      /\b(?:fraud\w*|scam\w*|unauthori[sz]ed|identity theft|stolen (?:card|credit card|identity|account))\b/,
      /\bwithout my (?:permission|consent|knowledge|authori[sz]ation)\b/,
      new RegExp(
        "\\b(?:never|did ?n'?t|did not) (?:place|placed|make|made|authori[sz]ed?) " +
          '(?:this|that|the|an|any|these) (?:order|purchase|charge|payment)s?\\b',
      ),
      /\b(?:hacked|compromised)\b/,
      /\b(?:taken over|took over|broke into|broken into) (?:my |our )?(?:account|email|profile)\b/,
      /\b(?:account|email|profile) (?:was |got |has been )?(?:taken over|broken into)\b/,
      /\bsomeone (?:else )?(?:used|logged in(?:to)?|got into|accessed|changed|is using|has been using) (?:my|our)\b/,
      /\b(?:do ?n'?t|do not) recogni[sz]e (?:this|the|a|these) (?:charge|order|purchase|payment)s?\b/,
    ],
  ],
];

const UPSET = anyOf([
  'unacceptable|terrible|awful|horrible|ridiculous|angry|upset|frustrat\\w*|disappoint\\w*|annoy\\w*',
  'worst|furious|fed up|disgust\\w*|outrageous|pathetic|useless',
]);
const YES_WORDS =
  'yes|please|pls|plz|thanks|thank you|go ahead|do it|proceed|sure|ok(?:ay)?|that would be (?:great|good|nice)';
const AFFIRMATIVE = new RegExp(
  '^(?:yes|yeah|yea|yep|yup|sure|ok(?:ay)?|please(?: do)?|pls|plz|go ahead|do it|proceed|confirm(?:ed)?|absolutely|' +
    `of course|sounds good|that works|perfect|great|y)\\b(?:[\\s,.!]*(?:${YES_WORDS}))*[\\s.!]*$`,
);
const GREETING = /^(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening)|greetings|dear)\b/;
const THANKS = /\b(?:thanks|thank (?:you|u)|thx|ty|cheers|appreciate (?:it|that|your help)|much appreciated|perfect)\b/;
// not "one": "send a new one" asks for a replacement of this order
const OTHER_ORDER = /\b(?:another|other|second|different|one more|new) (?:order|item|purchase)\b/;

/**
 * A match not cancelled by a negation before it: anywhere in its clause ("I don't need to talk to anyone"),
 * or, with `near`, within the few words before it ("this isn't a scam", but not "if it isn't here I'll sue").
 */
function matchesUnnegated(text: string, re: RegExp, near = false): boolean {
  for (const m of text.matchAll(new RegExp(re.source, 'g'))) {
    const head = text.slice(Math.max(0, (m.index ?? 0) - 120), m.index ?? 0);
    const clause = head.slice(Math.max(head.lastIndexOf(','), head.lastIndexOf('.'), head.lastIndexOf(' but ')) + 1);
    const before = near ? clause.split(' ').slice(-4).join(' ') : clause;
    if (!NEGATED.test(before)) return true;
  }
  return false;
}

export function wantsHuman(t: string): boolean {
  return WANTS_HUMAN.some((re) => matchesUnnegated(t, re));
}

export function alarmOf(t: string): Alarm | null {
  for (const [alarm, patterns] of ALARMS) {
    // "I know this isn't a scam" is no report of fraud; words about self-harm are taken as they come
    const hit =
      alarm === 'self_harm' ? patterns.some((re) => re.test(t)) : patterns.some((re) => matchesUnnegated(t, re, true));
    if (hit) return alarm;
  }
  return null;
}

export const isUpset = (t: string) => UPSET.test(t);
// short answers only: the pattern is not meant for long texts
// "ok thanks" and "great, thank you" close a topic; they do not accept an offer
const JUST_THANKS = /^(?:ok(?:ay)?|great|perfect|sure)[\s,.!]*(?:thanks|thank you)[\s.!]*$/;
export const isAffirmative = (t: string) => t.length <= 80 && AFFIRMATIVE.test(t) && !JUST_THANKS.test(t);
export const isGreeting = (t: string) => GREETING.test(t);
export const isThanks = (t: string) => THANKS.test(t);
export const mentionsOtherOrder = (t: string) => OTHER_ORDER.test(t);

/**
 * A 6-digit one-time code ("483920", "483 920", "483-920"), not part of a longer number, an
 * order id or an email. `taken`: spans of the text already read as order ids or emails.
 */
export function findCode(text: string, taken: Array<[number, number]>): string | null {
  for (const m of text.matchAll(/(?<![\w@.-]|\d[ -])(\d{3})[ -]?(\d{3})(?![\w@-]|\.\d|[ -]\d)/g)) {
    const at = m.index ?? 0;
    if (taken.some(([s, e]) => at < e && at + m[0].length > s)) continue;
    return `${m[1]}${m[2]}`;
  }
  return null;
}

/**
 * The refund reason in the customer's words: "arrived broken" is damaged, "never came" is
 * not_received. Regular wordings first, then misspelt damage words ("brokn", "damged").
 */
import { anyOf, fuzzyIn, normalise, wordsOf } from './text.js';

export type RefundReason = 'damaged' | 'not_received' | 'wrong_item' | 'changed_mind' | 'billing_error';

const NEG =
  "(?:does ?n'?t|does not|did ?n'?t|did not|wo ?n'?t|will not|do ?n'?t|do not|can ?n?'?t|cannot|not|no longer)";
const ARRIVE =
  '(?:arrive|arrived|come|came|show up|shown up|showed up|turn up|turned up|get here|got here|reach me|reached me)';
const RECEIVE =
  '(?:get it|got it|get them|got them|get my order|receive|received|receive it|received it|been delivered)';

/** Most specific first: "it's broken and I don't want it" is damaged. */
const REASONS: Array<[RefundReason, RegExp[]]> = [
  [
    'damaged',
    [
      /\b(?:broken|broke|damaged|damage|cracked|crack|smashed|shattered|defective|faulty|dented|scratched)\b/,
      /\b(?:leaking|leaks|torn|ripped|dead on arrival|in pieces|malfunction\w*|stopped working|stop working)\b/,
      /\b(?:no longer works|not working|not work|no work|is dead|won'?t charge|does ?n'?t charge)\b/,
      new RegExp(`\\b${NEG} (?:work|works|working|turn on|start|switch on|power on)\\b`),
    ],
  ],
  [
    'wrong_item',
    [
      /\bwrong (?:item|size|colou?r|product|model|thing|one|book|version|order|package|parcel)\b/,
      /\b(?:not|is ?n'?t|is not|was ?n'?t|was not) (?:what|the one) i (?:ordered|bought|asked for|picked)\b/,
      anyOf([
        'incorrect (?:item|size|product|colou?r)',
        'sent (?:me )?the wrong',
        'sent (?:me )?(?:a |an )?(?:different|another)',
      ]),
      /\bdifferent (?:item|product|thing|colou?r|size|model) (?:than|from|to)\b/,
    ],
  ],
  [
    'not_received',
    [
      new RegExp(
        `\\b(?:never|not|not yet|no|still not|still has ?n'?t|has ?n'?t|has not|have ?n'?t|have not) ${ARRIVE}\\b`,
      ),
      new RegExp(`\\b(?:did ?n'?t|did not|never|not|had ?n'?t|i not|still not) ${RECEIVE}\\b`),
      new RegExp(`\\b(?:did ?n'?t|did not) ${ARRIVE}\\b`),
      anyOf([
        'not (?:been )?(?:received|arrived|delivered)',
        "was ?n'?t delivered",
        'was not delivered',
        'never got',
        'still waiting',
      ]),
      anyOf([
        'lost (?:in (?:transit|the post|the mail)|package|parcel|order|it)',
        '(?:package|parcel|order|it) (?:is|was|got) lost',
      ]),
      /\b(?:missing (?:package|parcel|order|delivery)|nothing (?:arrived|came)|still not here|not here yet)\b/,
    ],
  ],
  [
    'billing_error',
    [
      anyOf([
        'charged (?:me )?(?:twice|two times|double|more|too much)',
        'double[- ]?charged',
        'charged (?:me )?(?:the )?wrong',
      ]),
      anyOf([
        'wrong (?:amount|price|charge|total)',
        'over-?charged',
        'billing (?:error|mistake)',
        'billed (?:me )?(?:twice|wrong)',
      ]),
      /\b(?:duplicate (?:charge|payment)|charged for something|paid twice|charged 2 times)\b/,
    ],
  ],
  [
    'changed_mind',
    [
      anyOf([
        'chang(?:e|ed|ing) (?:my|our) minds?',
        "(?:do ?n'?t|do not|did ?n'?t|did not) (?:want|need|like|use) (?:it|this|that|them)",
      ]),
      /\b(?:no longer (?:want|need|use)|not needed any ?more|not need (?:it )?any ?more|do ?n'?t need any ?more)\b/,
      anyOf([
        '(?:ordered|bought) (?:it |this |them )?(?:by mistake|by accident|accidentally)',
        'accidentally (?:ordered|bought)',
      ]),
      /\b(?:do ?n'?t want it|do ?n'?t like it|not for me|does ?n'?t fit|do ?n'?t fit|too (?:small|big|large))\b/,
    ],
  ],
];

const DAMAGE_WORDS = [
  'broken',
  'damaged',
  'cracked',
  'smashed',
  'shattered',
  'defective',
  'faulty',
  'scratched',
  'dented',
];

/** The refund reason a (normalised or raw) piece of text gives, or null. */
export function detectReason(text: string): RefundReason | null {
  const t = normalise(text);
  for (const [reason, patterns] of REASONS) if (patterns.some((re) => re.test(t))) return reason;
  if (wordsOf(t).some((w) => fuzzyIn(w, DAMAGE_WORDS))) return 'damaged';
  return null;
}

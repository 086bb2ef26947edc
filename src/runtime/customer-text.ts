/**
 * What code reads from a customer's message before any model sees it: trigger words (I6), the
 * emails they introduce as their own (I1/I16), one-time codes (I16) and their answer to a refund
 * offer (I13). The reading itself lives in src/language; this is the runtime's one entry point.
 */
import { findEmails } from './emails.js';
import { detectTrigger, type Trigger } from './triggers.js';

export type OfferAnswer = 'yes' | 'no' | 'unclear';

export interface CustomerText {
  trigger: Trigger | null;
  /** Emails the customer introduced as theirs (or the only one given): the ones that may be verified. */
  ownEmails: string[];
  /** Six-digit codes in the text. */
  codes: string[];
  answer: OfferAnswer;
}

const YES = /^(?:yes|yeah|yep|yup|sure|ok(?:ay)?|please do|go ahead|do it|confirm(?:ed)?|that's right|correct|y)\b/i;
const NO_OR_HEDGE =
  /\b(?:no|nope|not|don'?t|do not|wait|hold (?:off|on)|stop|cancel|forget|never ?mind|later|maybe|unsure|not sure|think about|rather not|actually)\b/i;

function answerOf(text: string): OfferAnswer {
  const t = text.trim().toLowerCase().replace(/[’‘]/g, "'");
  if (NO_OR_HEDGE.test(t)) return 'no';
  if (YES.test(t)) return 'yes';
  return 'unclear';
}

const CODE = /(?<![\d-])\d{6}(?!\d)/g;

export function readCustomerText(text: string): CustomerText {
  const emails = findEmails(text);
  return {
    trigger: detectTrigger(text),
    ownEmails: emails,
    codes: [...new Set(text.match(CODE) ?? [])],
    answer: answerOf(text),
  };
}

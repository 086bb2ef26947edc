/**
 * What code reads from a customer's message before any model sees it: trigger words (I6), the
 * emails they introduce as their own (I1/I16), one-time codes (I16) and their answer to a refund
 * offer (I13). The reading itself lives in src/language; this is the runtime's one entry point.
 */
import { classifyAnswer, type OfferAnswer } from '../language/answers.js';
import { classifyEmails } from '../language/emails.js';
import { detectTrigger, type Trigger } from '../language/triggers.js';

export type { OfferAnswer } from '../language/answers.js';

export interface CustomerText {
  trigger: Trigger | null;
  /** Emails the customer introduced as theirs (or the only one given): the only ones that may be verified. */
  ownEmails: string[];
  /** Several addresses, none said to be theirs: the agent asks which one (none is verifiable yet). */
  unclearEmails: string[];
  /** Six-digit codes in the text. */
  codes: string[];
  answer: OfferAnswer;
}

const CODE = /(?<![\d-])\d{6}(?!\d)/g;

export function readCustomerText(text: string): CustomerText {
  const emails = classifyEmails(text);
  return {
    trigger: detectTrigger(text),
    ownEmails: emails.own,
    unclearEmails: emails.unclear,
    codes: [...new Set(text.match(CODE) ?? [])],
    answer: classifyAnswer(text),
  };
}

/**
 * Emails in a customer message, and whose each one is: introduced as the customer's own ("I'm…",
 * "my email is…", "this is…"), as someone else's ("his email is…", "my wife's…"), or not said.
 * Only the customer's own (or, when nothing was said, the only one) may be proposed for
 * verification; someone else's never is (I16).
 */

export type EmailOwner = 'self' | 'other' | 'unknown';

export interface EmailMention {
  email: string;
  start: number;
  end: number;
  owner: EmailOwner;
}

// the runtime's own pattern (bounded parts: linear time), so both read the same addresses
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;

const RELATIONS =
  'wife|husband|partner|friend|son|daughter|mom|mum|mother|dad|father|brother|sister|boss|colleague|coworker|' +
  'neighbou?r|boyfriend|girlfriend|fianc[eé]e?|grandma|grandmother|grandpa|grandfather|aunt|uncle|cousin|' +
  'roommate|flatmate|client|kid|child|parent|parents|family|spouse|manager|employer|assistant';
const OTHER_BEFORE = new RegExp(
  `\\b(?:his|her|hers|their|theirs|he|she|they|(?:${RELATIONS})(?:'?s)?)\\b` +
    "|\\b[a-z]+'s (?:e-?mail|address|account|login)\\b",
);
const OTHER_AFTER = new RegExp(
  `^\\s*\\(?\\s*(?:is |which is |that'?s |=\\s*)?(?:his|hers|theirs|not mine|(?:my|our) (?:${RELATIONS})'s)\\b`,
);
const SELF_BEFORE = new RegExp(
  '(?:\\bmy (?:e-?mail|email address|address|account|login|username|user name)(?: address)?(?: is| =|:)?' +
    "|\\bmine(?: is|'s|:)?|\\bi'?m|\\bi am|\\bthis is|\\bit'?s|\\bits|\\bhere'?s my(?: email| address)?|\\bme:" +
    '|\\b(?:reach|contact|email) me (?:at|on)|\\bregistered (?:with|under|as)|\\bsigned up (?:with|as|under)' +
    '|\\blog ?in(?: is| with|:)?|\\bme at)\\s*[:=-]?\\s*$',
);
// the end of the previous clause: ". ", ",", ";", "(", " and ", " but "
const CLAUSE_END = /.*(?:[,;!?\n(]|\.\s|\sand\s|\sbut\s)/s;

const LOOK = 60;

function ownerOf(text: string, start: number, end: number, prevEnd: number): EmailOwner {
  const raw = text.slice(Math.max(prevEnd, start - LOOK), start).toLowerCase();
  const cut = CLAUSE_END.exec(raw);
  const before = cut ? raw.slice(cut[0].length) : raw;
  const after = text.slice(end, end + 30).toLowerCase();
  if (OTHER_BEFORE.test(before) || OTHER_AFTER.test(after)) return 'other';
  if (SELF_BEFORE.test(before)) return 'self';
  return 'unknown';
}

/** Every email in the text, lowercased (trailing dots removed), with whose it is said to be. */
export function findEmails(text: string): EmailMention[] {
  if (!text.includes('@')) return [];
  const out: EmailMention[] = [];
  let prevEnd = 0;
  for (const m of text.matchAll(EMAIL)) {
    const start = m.index ?? 0;
    const email = m[0].replace(/[.-]+$/, '').toLowerCase();
    const end = start + m[0].length;
    out.push({ email, start, end, owner: ownerOf(text, start, end, prevEnd) });
    prevEnd = end;
  }
  return out;
}

/** The email one message offers for verification: `null` none, `ambiguous` when it cannot tell which. */
export function offeredEmail(mentions: EmailMention[], failed: ReadonlySet<string>): string | 'ambiguous' | null {
  const usable = mentions.filter((m) => m.owner !== 'other' && !failed.has(m.email));
  const own = usable.filter((m) => m.owner === 'self');
  if (own.length) return own[own.length - 1]!.email;
  const distinct = [...new Set(usable.map((m) => m.email))];
  if (distinct.length > 1) return 'ambiguous';
  return distinct[0] ?? null;
}

/**
 * I16: whose email is it? Only an address the customer introduced as their own may be verified.
 * Each address is read with the words just before it ("my email is", "his email is", "for my son,")
 * and just after it ("… here", "… is hers"). Linear time: the address pattern has bounded parts
 * and every context is cut to a fixed number of characters before any pattern runs on it.
 */

export interface EmailClaims {
  own: string[];
  others: string[];
  unclear: string[];
}

/** Bounded parts: a long run without "@" cannot go quadratic (same as src/runtime/emails.ts). */
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;
const CONTEXT = 80;

const PEOPLE =
  '(?:wife|husband|son|daughter|friend|mum|mom|mother|dad|father|parent|parents|partner|boyfriend|girlfriend|fiance|' +
  'fiancee|brother|sister|colleague|coworker|co-worker|boss|manager|kid|child|neighbou?r|aunt|uncle|grandma|grandpa|' +
  'grandmother|grandfather|granny|cousin|client|customer|employee|assistant|flatmate|roommate|nephew|niece|spouse)';
const MAILWORD = '(?:e-?mail|email address|e-?mail address|mail|address|account|login|user ?name|contact|name)';

/** Cues that the next address is someone else's: checked first ("my wife's email is" ends like "email is"). */
const OTHER_BEFORE: RegExp[] = [
  new RegExp(`\\b(?:his|her|hers|their|theirs)(?: ${MAILWORD})?(?: address)?(?: is| was| would be)?$`),
  new RegExp(`\\b(?!(?:it|that|what|here|there|who)'s)[a-z]+'s ${MAILWORD}(?: address)?(?: is| was)?$`),
  new RegExp(`\\b(?:for|of|from|to|behalf of|with) (?:my|our|a|his|her|their) ${PEOPLE}(?: [a-z]+)?$`),
  new RegExp(`\\bmy ${PEOPLE}(?: [a-z]+)?(?: is| has| uses| used| at)?$`),
  // a person named, and nothing of the writer's own after it: "my daughter placed the order with …"
  new RegExp(`\\b(?:my|our|his|her) ${PEOPLE}\\b(?!.*\\b(?:my|i|i'm|im|me|mine)\\b).{0,50}$`),
  /\b(?:he|she|they|who)(?: (?:is|was|uses|used|has|had|gave|got))?(?: an? (?:account|email))?(?: with| at| is| as)?$/,
  /\b(?:cc|cc'?d|bcc|copy|copying|copied|also to)$/,
  /\b(?:forward(?:ed)?|send)(?: it| this| them| a copy)? to$/,
  /\b(?:not|isn'?t|wasn'?t|instead of|rather than|uses|used to use)$/,
  // an address no longer theirs is not the one to verify
  new RegExp(`\\b(?:old|previous|former|wrong|ex|outdated|defunct)(?: ${MAILWORD})?(?: address)?(?: is| was)?$`),
];

const OWN_BEFORE: RegExp[] = [
  new RegExp(
    `\\b(?:my|our) ${MAILWORD}(?: address| email)?(?: is| was| would be| should be|'s)?(?: actually| still)?$`,
  ),
  new RegExp(`(?:^|\\b)${MAILWORD}(?: address)?(?: is| on file| on the account)?$`),
  /\b(?:i'?m|i am|im|this is|it'?s|its|it is|that'?s me|here'?s my|mine is|mine'?s|me|myself)$/,
  /\b(?:under|registered(?: with| under| as| to)?|signed up(?: with| under| as)?|as)$/,
  /\b(?:(?:reach|contact|email|mail|find|ping) me(?: at| on| via)?|me at)$/,
  /\b(?:(?:i )?use|i'?m using|logged in(?: with| as)?|log ?in(?: with| as)?)$/,
];

const OTHER_AFTER = new RegExp(
  `^(?:(?:is|was|that'?s|it'?s|which is) ` +
    `(?:his|hers|her'?s|theirs|their|not mine|my ${PEOPLE}(?:'s)?|for my ${PEOPLE})` +
    `|his|hers|theirs|not mine|isn'?t mine|my ${PEOPLE}'s|belongs to)\\b`,
);
const OWN_AFTER = new RegExp(
  "^(?:here|speaking|is mine|that'?s mine|mine|is me|is my (?:e-?mail|address|account|login)" +
    '|is the one on (?:my|the) account)\\b',
);

const clean = (email: string) => email.replace(/[.-]+$/, '').toLowerCase();

/** Lowercase, straight apostrophes, spacing and punctuation simplified so the cue patterns stay small. */
function tidy(context: string): string {
  return context
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/[^a-z0-9'\s-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/[\s'-]+$/, '')
    .replace(/^[\s'-]+/, '');
}

type Cue = 'own' | 'other' | null;

function cueBefore(before: string): Cue {
  const t = tidy(before.slice(-CONTEXT));
  if (t.length === 0) return null;
  if (OTHER_BEFORE.some((re) => re.test(t))) return 'other';
  if (OWN_BEFORE.some((re) => re.test(t))) return 'own';
  return null;
}

function cueAfter(after: string): Cue {
  const t = tidy(after.slice(0, CONTEXT));
  if (OTHER_AFTER.test(t)) return 'other';
  if (OWN_AFTER.test(t)) return 'own';
  return null;
}

/** Emails lower-cased, trailing dots removed, in order of appearance; each in exactly one list. */
export function classifyEmails(text: string): EmailClaims {
  if (!text.includes('@')) return { own: [], others: [], unclear: [] };
  const found = [...text.matchAll(EMAIL)].map((m) => ({ at: m.index ?? 0, raw: m[0] }));
  const cues = new Map<string, Set<Exclude<Cue, null>>>();
  const order: string[] = [];
  found.forEach((f, i) => {
    const email = clean(f.raw);
    const prevEnd = i > 0 ? (found[i - 1]?.at ?? 0) + (found[i - 1]?.raw.length ?? 0) : 0;
    const nextAt = found[i + 1]?.at ?? text.length;
    // the cue before an address belongs to it only up to the previous address, and likewise after
    const before = text.slice(Math.max(prevEnd, f.at - CONTEXT), f.at);
    const after = text.slice(f.at + f.raw.length, Math.min(nextAt, f.at + f.raw.length + CONTEXT));
    if (!cues.has(email)) {
      cues.set(email, new Set());
      order.push(email);
    }
    const set = cues.get(email);
    for (const cue of [cueBefore(before), cueAfter(after)]) if (cue !== null) set?.add(cue);
  });
  const claims: EmailClaims = { own: [], others: [], unclear: [] };
  for (const email of order) {
    const c = cues.get(email) ?? new Set();
    if (c.has('own') && !c.has('other')) claims.own.push(email);
    else if (c.has('other') && !c.has('own')) claims.others.push(email);
    // no cue, or contradictory cues: the agent asks
    else claims.unclear.push(email);
  }
  // a lone address with no cue is the writer's own
  if (order.length === 1 && claims.unclear.length === 1 && (cues.get(order[0] ?? '')?.size ?? 0) === 0) {
    return { own: claims.unclear, others: [], unclear: [] };
  }
  return claims;
}

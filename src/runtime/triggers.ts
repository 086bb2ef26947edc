/**
 * I6: escalation triggers decided in code from the customer's text, whatever the model does.
 * Text is normalised first: case, accents, look-alike digits and symbols, spacing and
 * punctuation inside words ("L.A.W.Y.E.R", "s c a m", "fr4ud"), repeated letters ("suuue").
 */
import type { EscalationReason } from '../machines/conversation.context.js';

export interface Trigger {
  kind: 'legal' | 'fraud' | 'distress' | 'human';
  reason: EscalationReason;
  priority: 'P1';
  /** The normalised keyword that matched (for the audit log). */
  matched: string;
}

/** Letters from other scripts that look Latin (a UTS #39-style skeleton for the ones abuse uses most). */
const CONFUSABLES: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ѕ: 's', ј: 'j', ԁ: 'd', һ: 'h', ӏ: 'l', ո: 'n', ս: 'u', ɡ: 'g',
  α: 'a', ε: 'e', ο: 'o', ρ: 'p', τ: 't', κ: 'k', ι: 'i', ν: 'v', υ: 'u', μ: 'm',
};
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g');

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '|': 'l' };

const RULES: Array<{ kind: Trigger['kind']; reason: EscalationReason; phrases: string[] }> = [
  { kind: 'legal', reason: 'customer_distress', phrases: ['lawyer', 'attorney', 'solicitor', 'sue', 'suing', 'sued', 'lawsuit', 'legal action', 'take you to court', 'small claims'] },
  { kind: 'fraud', reason: 'fraud_suspected', phrases: ['fraud', 'fraudulent', 'scam', 'scammed', 'scammer', 'unauthorized charge', 'unauthorised charge', 'stolen card', 'chargeback'] },
  { kind: 'distress', reason: 'customer_distress', phrases: ['unacceptable', 'furious', 'outrageous', 'disgusted', 'kill myself', 'suicidal', 'harassment'] },
  {
    kind: 'human',
    reason: 'customer_distress',
    phrases: ['human', 'real person', 'speak to a person', 'talk to a person', 'manager', 'supervisor', 'representative', 'live agent', 'human agent', 'real agent', 'speak to someone', 'talk to someone', 'speak to somebody', 'talk to somebody', 'speak with a person', 'talk with a person', 'speak with someone', 'talk with someone', 'to an agent', 'with an agent', 'to a human', 'with a human', 'real human'],
  },
];

/** Lowercase, strip accents, map look-alikes, collapse letter runs; words separated by single spaces. */
export function normaliseText(text: string): string {
  const plain = text
    .toLowerCase()
    .replace(CONFUSABLE_RE, (ch) => CONFUSABLES[ch] ?? ch)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[0134579@$!|]/g, (ch, offset: number, whole: string) => {
      // digits inside numbers (order ids, amounts) stay digits; look-alikes inside words become letters
      const before = whole[offset - 1] ?? '';
      const after = whole[offset + 1] ?? '';
      const inWord = /[a-z]/.test(before) || /[a-z]/.test(after);
      return inWord ? (LEET[ch] ?? ch) : ch;
    });
  return collapseRuns(plain.replace(/[^a-z0-9]+/g, ' ').trim());
}

function collapseRuns(s: string): string {
  return s.replace(/([a-z])\1{2,}/g, '$1').replace(/([a-z])\1/g, '$1');
}

/** Letters only, no spaces: catches "s c a m" and "l.a.w.y.e.r". */
function squash(normalised: string): string {
  return collapseRuns(normalised.replace(/[^a-z]/g, ''));
}

/** Runs of single letters separated by spaces ("is a s c a m" -> "ascam"), joined. */
function spelledOut(normalised: string): string[] {
  return (normalised.match(/\b(?:[a-z] ){2,}[a-z]\b/g) ?? []).map((m) => m.replace(/ /g, ''));
}

/** Finds the first trigger in the customer's text, or null. */
export function detectTrigger(text: string): Trigger | null {
  const normalised = normaliseText(text);
  const words = ` ${normalised} `;
  const squashed = squash(normalised);
  const spelled = spelledOut(normalised);
  for (const rule of RULES) {
    for (const phrase of rule.phrases) {
      const p = collapseRuns(phrase);
      // whole words, with their plural and common inflections ("scams", "lawyers", "suing" is listed)
      const inWords = [p, `${p}s`, `${p}es`, `${p}ed`].some((form) => words.includes(` ${form} `));
      // squashed ("fr-aud", "l.a.w.y.e.r") only for words of 5+ letters: "sue" would match "issue"
      const inSquashed = p.length >= 5 && !p.includes(' ') && squashed.includes(p);
      // spelled-out letters hide even short words ("s u e"), inside the letter run only
      const inSpelled = !p.includes(' ') && spelled.some((run) => run.includes(p));
      if (inWords || inSquashed || inSpelled) return { kind: rule.kind, reason: rule.reason, priority: 'P1', matched: phrase };
    }
  }
  return null;
}

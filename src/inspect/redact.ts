/**
 * Customer PII out of inspection data: emails and names, by field (`customer.name`, any `email`,
 * `emails`, `emailsGiven`, `unknownEmails` …) and by content (anything that looks like an email,
 * and every name this conversation learned, wherever it appears in a string).
 */

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const EMAIL_KEY = /e-?mail/i;
const NAME_KEY = /^(?:name|full_?name|first_?name|last_?name|given_?name|family_?name|customer_?name|display_?name)$/i;
/** Object keys whose objects describe a person: their `name` is personal. */
const PERSON_KEY = /customer|person|user|contact|account/i;

export const EMAIL_MARK = '[email]';
export const NAME_MARK = '[name]';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface Redactor {
  /** Learns the names in a value (a `customer.found` event, a context), so later strings lose them too. */
  learn(value: unknown): void;
  /** A copy of the value with every email and known name replaced; the shape is kept. */
  redact<T>(value: T): T;
}

export function createRedactor(): Redactor {
  const names = new Set<string>();
  let pattern: RegExp | null = null;

  function addName(name: string): void {
    const parts = [name.trim(), ...name.split(/\s+/)].filter((p) => p.length >= 3);
    let grew = false;
    for (const p of parts) {
      const key = p.toLowerCase();
      if (!names.has(key)) {
        names.add(key);
        grew = true;
      }
    }
    if (grew) {
      // longest first, so "Sarah Chen" goes as one mark rather than two
      const alternatives = [...names].sort((a, b) => b.length - a.length).map(escape);
      pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
    }
  }

  /** A `name` alone is personal only inside a person's object; `fullName`, `customerName` … always. */
  const isNameField = (key: string, inPerson: boolean) =>
    NAME_KEY.test(key) && (inPerson || key.toLowerCase() !== 'name');

  function learn(value: unknown, key: string | null): void {
    if (Array.isArray(value)) {
      for (const v of value) learn(v, key);
      return;
    }
    if (!isRecord(value)) return;
    const inPerson = key !== null && PERSON_KEY.test(key);
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' && isNameField(k, inPerson)) addName(v);
      else learn(v, k);
    }
  }

  function text(s: string): string {
    const noEmails = s.replace(EMAIL, EMAIL_MARK);
    return pattern ? noEmails.replace(pattern, NAME_MARK) : noEmails;
  }

  /** `inPerson`: the value sits directly in a person's object (or in an array of them). */
  function walk(value: unknown, key: string | null, inPerson: boolean): unknown {
    if (typeof value === 'string') {
      if (key !== null && EMAIL_KEY.test(key)) return EMAIL_MARK;
      if (key !== null && isNameField(key, inPerson)) return NAME_MARK;
      return text(value);
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, key, inPerson));
    if (!isRecord(value)) return value;
    const person = key !== null && PERSON_KEY.test(key);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, k, person);
    return out;
  }

  return {
    learn: (value) => learn(value, null),
    // the walk rebuilds the same shape, with strings replaced
    redact: <T>(value: T): T => walk(value, null, false) as T,
  };
}

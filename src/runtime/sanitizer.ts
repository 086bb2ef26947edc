/**
 * I7: every customer-visible text passes through here. Works per sentence so streamed text and
 * the final reply are cleaned identically: a sentence that carries an internal code, the limit
 * figure, a stack trace, system-prompt text or another customer's data is dropped whole.
 */
import { findEmails } from './emails.js';

export interface LeakContext {
  /** Strings of other customers' records that must never appear (names, emails, amounts…). */
  foreignTerms?: string[];
  /** Emails the customer may see (their own, and those they wrote themselves). */
  allowedEmails?: string[];
}

export interface SanitizeResult {
  text: string;
  /** Kinds of leak removed (for the audit log); empty when the text was clean. */
  removed: string[];
}

export interface Sanitizer {
  sanitize(text: string, ctx?: LeakContext): SanitizeResult;
  /** Checks one sentence; returns the leak kind or null. */
  leakIn(sentence: string, ctx?: LeakContext): string | null;
}

export const FALLBACK_REPLY = "I'm sorry, I can't share that. Is there anything else I can help you with?";

const INTERNAL_CODES = [
  'NOT_FOUND',
  'SUSPENDED',
  'AUTH_FAILURE',
  'OWNERSHIP_MISMATCH',
  'ACCESS_DENIED',
  'INELIGIBLE',
  'DUPLICATE',
  'LIMIT_EXCEEDED',
  'PAYMENT_FAILED',
  'RATE_LIMITED',
  'SERVER_ERROR',
  'NOT_IMPLEMENTED',
  'NOT_VERIFIED',
  'ALREADY_VERIFIED',
  'ORDER_NOT_CHECKED',
  'AMOUNT_MISMATCH',
  'REFUND_IN_PROGRESS',
  'NOT_ALLOWED_NOW',
  'INVALID_INPUT',
  'UNKNOWN_TOOL',
  'OUTSIDE_WINDOW',
  'NOT_DELIVERED',
  'ALREADY_REFUNDED',
];

const SCREAMING_SNAKE = /\b[A-Z][A-Z0-9]{1,}(?:_[A-Z0-9]+)+\b/;
const STACK = [
  /\bat\s+[\w.$<>]+\s+\(?[^\s)]*:\d+:\d+\)?/,
  /\b\w*(?:Error|Exception):\s/,
  /node_modules|\/src\/[\w/.-]+\.[jt]s\b|\.ts:\d+/,
];
const INTERNAL_IDS = /\bUSR-[A-Z0-9]+\b/i;
const LIMIT_WORDS =
  /\b(?:refund|autonomous|approval|auto[- ]?approval)\s+(?:limit|threshold|cap)\b|\blimit of\b|\bup to \$/i;

/** Splits into sentences, keeping the separators so the text can be rebuilt. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of text.matchAll(/[.!?]+(?:\s+|$)|\n+/g)) {
    const end = m.index + m[0].length;
    if (end > start) out.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

function shingles(words: string[], size: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + size <= words.length; i++) out.add(words.slice(i, i + size).join(' '));
  return out;
}

/** Creates a sanitiser for a policy limit and a system prompt (whose text must never be echoed). */
export function createSanitizer(options: { refundLimitCents: number; systemPrompt: string }): Sanitizer {
  const limit = options.refundLimitCents / 100;
  const limitText = Number.isInteger(limit) ? String(limit) : limit.toFixed(2);
  const figure = limitText.replace('.', '\\.');
  const limitPattern = new RegExp(
    `(?:\\$\\s?${figure}(?:\\.00)?\\b|\\b${figure}(?:\\.00)?\\s?(?:usd|dollars|bucks)\\b|\\busd\\s?${figure}\\b)`,
    'i',
  );
  const SHINGLE = 7;
  const promptWordList = wordsOf(options.systemPrompt);
  const promptShingles = shingles(promptWordList, SHINGLE);
  const promptWords = new Set(promptWordList);
  /** Whether `text` repeats SHINGLE words of the prompt in a row (only runs of prompt words can). */
  const quotesPrompt = (text: string): boolean => {
    const words = wordsOf(text);
    let run = 0;
    for (let i = 0; i < words.length; i++) {
      run = promptWords.has(words[i]!) ? run + 1 : 0;
      if (run >= SHINGLE && promptShingles.has(words.slice(i + 1 - SHINGLE, i + 1).join(' '))) return true;
    }
    return false;
  };

  const leakIn = (sentence: string, ctx: LeakContext = {}): string | null => {
    if (INTERNAL_CODES.some((code) => sentence.includes(code)) || SCREAMING_SNAKE.test(sentence))
      return 'internal_code';
    if (STACK.some((re) => re.test(sentence))) return 'stack_trace';
    if (limitPattern.test(sentence) || LIMIT_WORDS.test(sentence)) return 'limit_figure';
    if (INTERNAL_IDS.test(sentence)) return 'internal_id';
    const lower = sentence.toLowerCase();
    if ((ctx.foreignTerms ?? []).some((t) => t.length >= 3 && lower.includes(t.toLowerCase()))) return 'foreign_data';
    const allowed = new Set((ctx.allowedEmails ?? []).map((e) => e.toLowerCase()));
    for (const email of findEmails(sentence)) if (!allowed.has(email)) return 'foreign_data';
    if (quotesPrompt(sentence)) return 'system_prompt';
    return null;
  };

  return {
    leakIn,
    sanitize(text, ctx) {
      const removed: string[] = [];
      const kept = splitSentences(text).filter((sentence) => {
        const leak = leakIn(sentence, ctx);
        if (leak) removed.push(leak);
        return !leak;
      });
      let out = kept
        .join('')
        .replace(/[ \t]+\n/g, '\n')
        .trim();
      if (removed.length > 0 && out.length === 0) out = FALLBACK_REPLY;
      return { text: out, removed };
    },
  };
}

/** Releases streamed text sentence by sentence, each one checked before it leaves. */
export function createStreamingSanitizer(
  sanitizer: Sanitizer,
  ctx: LeakContext,
  emit: (text: string) => void,
): { push(delta: string): void; flush(): void; removed: string[] } {
  let buffer = '';
  const removed: string[] = [];
  const release = (sentence: string) => {
    const leak = sanitizer.leakIn(sentence, ctx);
    if (leak) removed.push(leak);
    else if (sentence.length > 0) emit(sentence);
  };
  return {
    removed,
    push(delta) {
      buffer += delta;
      // a sentence is complete once its terminator is followed by whitespace
      for (;;) {
        const m = /[.!?]+\s|\n/.exec(buffer);
        if (!m) break;
        const end = m.index + m[0].length;
        release(buffer.slice(0, end));
        buffer = buffer.slice(end);
      }
    },
    flush() {
      if (buffer.length > 0) release(buffer);
      buffer = '';
    },
  };
}

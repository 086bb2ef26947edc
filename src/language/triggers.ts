/**
 * I6: escalation triggers decided in code from the customer's own text, before any model runs.
 *
 * 1. The text is de-obfuscated (normalise.ts): case, accents, look-alike letters, leetspeak,
 *    spelled-out and split words, stretched letters, contractions.
 * 2. A cheap pre-filter keeps only the sentences holding a word some rule is anchored on; most
 *    messages stop here without any parse.
 * 3. Those sentences are parsed by the NLP library (tokens, sentences, part of speech, names), and
 *    the rules of trigger-rules.ts run over the words: a phrase fires unless a negation, a name, a
 *    third party or a description cancels it.
 * 4. A word split to dodge the filter ("fr aud") fires without context: hiding it is the signal.
 */
import { cleanForParsing, skeleton, type Vocabulary } from './normalise.js';
import { wordSkeletons } from './prefilter.js';
import { GROUPS, HIDDEN_WORDS, OBFUSCATION_TARGETS } from './trigger-lexicon.js';
import { isDescription, isNegated, KIND_ORDER, RULES, type TriggerKind } from './trigger-rules.js';
import { analyser as defaultAnalyser } from './analyser.js';
import type { Analyser } from './tokens.js';

export type { TriggerKind } from './trigger-rules.js';

export interface Trigger {
  kind: TriggerKind;
  /**
   * Escalation reason: safety→'safety', legal→'customer_distress', fraud→'fraud_suspected',
   * human→'customer_distress', distress→'customer_distress'.
   */
  reason: 'safety' | 'customer_distress' | 'fraud_suspected';
  priority: 'P1';
  /** What matched, normalised, for the audit log. */
  matched: string;
}

const REASON: Record<TriggerKind, Trigger['reason']> = {
  safety: 'safety',
  legal: 'customer_distress',
  fraud: 'fraud_suspected',
  human: 'customer_distress',
  distress: 'customer_distress',
};

/** Classes where a negation is often a reluctant threat ("I don't want to sue, but…"). */
const SOFT_NEGATION = new Set<TriggerKind>(['legal', 'fraud']);

const ANCHORS = new Set(RULES.flatMap((r) => r.anchors ?? []));
/** Words a spelled-out or split run may be joined into ("h u m a n", "fr-aud"). */
const KNOWN = new Set<string>([
  ...ANCHORS,
  ...Object.values(GROUPS)
    .flat()
    .map((w) => skeleton(w.replace(/\+$/, ''))),
  ...OBFUSCATION_TARGETS.map(([w]) => skeleton(w)),
  'scam',
  'sue',
]);
for (const w of [...KNOWN]) if (w.length < 3) KNOWN.delete(w);
const VOCABULARY: Vocabulary = {
  isKnownWord: (sk) => KNOWN.has(sk),
  hidden: new RegExp(HIDDEN_WORDS.join('|')),
};

const make = (kind: TriggerKind, matched: string): Trigger => ({ kind, reason: REASON[kind], priority: 'P1', matched });

const SPLIT_TARGETS = OBFUSCATION_TARGETS.map(([target, kind]) => [target, skeleton(target), kind] as const);

/** Words split so no single word holds them ("fr aud", "lawy er"): fires without context. `words` are skeletons. */
function splitWords(words: string[]): Map<TriggerKind, string> {
  const found = new Map<TriggerKind, string>();
  const squashed = skeleton(words.join('').replace(/'/g, ''));
  for (const [target, sk, kind] of SPLIT_TARGETS) {
    if (found.has(kind) || !squashed.includes(sk)) continue;
    if (words.some((w) => w.includes(sk))) continue;
    found.set(kind, `${target} (split)`);
  }
  return found;
}

/** Sentences (roughly) that contain an anchor word: the only text worth parsing. */
function candidateText(clean: string): string {
  const keep: string[] = [];
  for (const m of clean.matchAll(/[^.!?\n]+(?:[.!?]+|\n|$)/g)) {
    const sentence = m[0];
    if (wordSkeletons(sentence).some((w) => ANCHORS.has(w)))
      keep.push(/[.!?]\s*$/.test(sentence) ? sentence : `${sentence}.`);
  }
  return keep.join(' ');
}

/** A trigger detector on a given NLP analyser (the eval compares analysers; the app uses the default). */
export function createTriggerDetector(analyser: Analyser): (text: string) => Trigger[] {
  return (text: string): Trigger[] => {
    const clean = cleanForParsing(text, VOCABULARY);
    const allWords = wordSkeletons(clean);
    const found = splitWords(allWords);
    const candidates = candidateText(clean);
    if (candidates.length > 0) {
      const message = new Set(allWords);
      for (const words of analyser.analyse(candidates)) {
        const present = new Set(words.map((w) => w.sk));
        const described = isDescription(words);
        for (const rule of RULES) {
          if (found.has(rule.kind) || described) continue;
          if (rule.anchors !== null && !rule.anchors.some((a) => present.has(a))) continue;
          for (const span of rule.find(words, present)) {
            const m = { words, span, message };
            if (rule.negatable && isNegated(m, SOFT_NEGATION.has(rule.kind))) continue;
            if (rule.veto?.(m) === true) continue;
            const matched = words
              .slice(span.start, span.end)
              .map((w) => w.w)
              .join(' ');
            found.set(rule.kind, matched);
            break;
          }
        }
      }
    }
    return KIND_ORDER.filter((k) => found.has(k)).map((k) => make(k, found.get(k) ?? k));
  };
}

const detect = createTriggerDetector(defaultAnalyser);

/** Every class of trigger in the customer's text, most urgent first (for the eval and the audit). */
export function detectTriggers(text: string): Trigger[] {
  return detect(text);
}

/** The most urgent trigger in the customer's text (safety, legal, fraud, distress, human), or null. */
export function detectTrigger(text: string): Trigger | null {
  return detect(text)[0] ?? null;
}

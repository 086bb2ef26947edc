/**
 * Precision and recall of the trigger detector on the labelled corpus
 * (test/language/trigger-corpus.json), per class and overall, for the eval report and CI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { detectTriggers, type Trigger, type TriggerKind } from '../src/language/triggers.js';

export const TRIGGER_KINDS = [
  'safety',
  'legal',
  'fraud',
  'human',
  'distress',
] as const satisfies readonly TriggerKind[];

export const TriggerExampleSchema = z.object({
  text: z.string().min(1),
  label: z
    .enum(TRIGGER_KINDS)
    .nullable()
    .describe('The class a person reading the message would escalate for, or null'),
  split: z.enum(['dev', 'holdout']).describe('holdout: written before the rules were tuned on it'),
  batch: z
    .enum(['A', 'B', 'C'])
    .optional()
    .describe('Held-out batch: A before any tuning, B after the first round of fixes, C after the second (README)'),
});
export type TriggerExample = z.infer<typeof TriggerExampleSchema>;

export interface ClassScore {
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface TriggerScore {
  perClass: Record<TriggerKind, ClassScore>;
  /** Micro-averaged over the five classes (a right escalation for the wrong class counts as wrong). */
  overall: ClassScore;
  /** Escalate or not, whatever the class: what the customer experiences. */
  anyTrigger: ClassScore;
  errors: Array<{ text: string; label: TriggerKind | null; predicted: TriggerKind[]; split: TriggerExample['split'] }>;
}

export const CORPUS_PATH = fileURLToPath(new URL('../test/language/trigger-corpus.json', import.meta.url));

export function loadTriggerCorpus(path: string = CORPUS_PATH): TriggerExample[] {
  return z.array(TriggerExampleSchema).parse(JSON.parse(readFileSync(path, 'utf8')));
}

function score(tp: number, fp: number, fn: number): ClassScore {
  return { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn), tp, fp, fn };
}

/** Scores `detect` (by default the app's detector) on `corpus` (by default the whole labelled corpus). */
export function scoreTriggers(
  corpus: TriggerExample[] = loadTriggerCorpus(),
  detect: (text: string) => Trigger[] = detectTriggers,
): TriggerScore {
  const counts = Object.fromEntries(TRIGGER_KINDS.map((k) => [k, { tp: 0, fp: 0, fn: 0 }])) as Record<
    TriggerKind,
    { tp: number; fp: number; fn: number }
  >;
  const any = { tp: 0, fp: 0, fn: 0 };
  const errors: TriggerScore['errors'] = [];
  for (const ex of corpus) {
    const predicted = detect(ex.text).map((t) => t.kind);
    for (const k of TRIGGER_KINDS) {
      const c = counts[k];
      const hit = predicted.includes(k);
      if (ex.label === k && hit) c.tp++;
      else if (ex.label === k) c.fn++;
      else if (hit) c.fp++;
    }
    if (ex.label !== null && predicted.length > 0) any.tp++;
    else if (ex.label !== null) any.fn++;
    else if (predicted.length > 0) any.fp++;
    const right = ex.label === null ? predicted.length === 0 : predicted.length === 1 && predicted[0] === ex.label;
    if (!right) errors.push({ text: ex.text, label: ex.label, predicted, split: ex.split });
  }
  const perClass = Object.fromEntries(TRIGGER_KINDS.map((k) => [k, score(counts[k].tp, counts[k].fp, counts[k].fn)]));
  const sum = (f: 'tp' | 'fp' | 'fn') => TRIGGER_KINDS.reduce((n, k) => n + counts[k][f], 0);
  return {
    perClass: perClass as Record<TriggerKind, ClassScore>,
    overall: score(sum('tp'), sum('fp'), sum('fn')),
    anyTrigger: score(any.tp, any.fp, any.fn),
    errors,
  };
}

/**
 * Trigger precision and recall (I6) in the eval report, measured over the labelled corpus of
 * customer sentences (test/language/trigger-corpus.json) by evals/trigger-score.ts, the same
 * scorer as `npm run eval:triggers`.
 */
import { loadTriggerCorpus, scoreTriggers, type ClassScore } from './trigger-score.js';

export interface TriggerCounts {
  precision: number | null;
  recall: number | null;
  true_positive: number;
  false_positive: number;
  false_negative: number;
}

export interface TriggerScore extends TriggerCounts {
  /** Where the labelled sentences come from, e.g. "test/language/trigger-corpus.json (312 sentences)". */
  corpus: string;
  /** Per trigger kind (legal, fraud, distress, human…), when the scorer reports it. */
  by_kind?: Record<string, TriggerCounts>;
}

export type TriggerScorer = () => TriggerScore | Promise<TriggerScore>;

/** What the report says about triggers: the scorer's numbers, or why there are none. */
export type TriggerReport = { measured: true; score: TriggerScore } | { measured: false; why: string };

const counts = (c: ClassScore): TriggerCounts => ({
  precision: c.precision,
  recall: c.recall,
  true_positive: c.tp,
  false_positive: c.fp,
  false_negative: c.fn,
});

/** The scorer `npm run eval` uses: the trigger detector on the whole labelled corpus. */
export const triggerScorer: TriggerScorer | null = () => {
  const corpus = loadTriggerCorpus();
  const s = scoreTriggers(corpus);
  return {
    corpus: `test/language/trigger-corpus.json (${corpus.length} sentences)`,
    ...counts(s.overall),
    by_kind: Object.fromEntries(Object.entries(s.perClass).map(([k, c]) => [k, counts(c)])),
  };
};

/** Runs the scorer, if any; a failing scorer is reported, never fatal to the run. */
export async function measureTriggers(scorer: TriggerScorer | null | undefined): Promise<TriggerReport> {
  if (!scorer)
    return {
      measured: false,
      why: 'no trigger scorer on this branch (src/language scoreTriggers(), see evals/triggers.ts)',
    };
  try {
    return { measured: true, score: await scorer() };
  } catch (error) {
    return { measured: false, why: `the trigger scorer failed: ${(error as Error)?.message ?? String(error)}` };
  }
}

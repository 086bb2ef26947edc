/**
 * Trigger precision and recall (I6), measured over a labelled corpus of customer sentences by the
 * trigger classifier's own `scoreTriggers()` in src/language (delivered on another branch). The
 * runner calls the scorer when one is given and the report shows its numbers; without one the
 * report says the section is not measured.
 *
 * LEAD: when `scoreTriggers()` is on this branch, wire it here, e.g.
 *   import { scoreTriggers } from '../src/language/score.js';
 *   export const triggerScorer: TriggerScorer | null = () => toTriggerScore(scoreTriggers());
 * mapping its result onto TriggerScore below.
 */

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

/** The scorer `npm run eval` uses: none until src/language provides `scoreTriggers()`. */
export const triggerScorer: TriggerScorer | null = null;

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

import { describe, expect, it } from 'vitest';
import { loadTriggerCorpus, scoreTriggers, TRIGGER_KINDS } from '../../evals/trigger-score.js';
import { missedTargets } from '../../evals/triggers.js';

const corpus = loadTriggerCorpus();

describe('trigger corpus', () => {
  it('has at least 400 sentences, at least half of them negatives, a quarter held out, every class present', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(400);
    expect(corpus.filter((e) => e.label === null).length * 2).toBeGreaterThanOrEqual(corpus.length);
    expect(corpus.filter((e) => e.split === 'holdout').length * 4).toBeGreaterThanOrEqual(corpus.length * 0.9);
    for (const k of TRIGGER_KINDS) expect(corpus.some((e) => e.label === k)).toBe(true);
    expect(new Set(corpus.map((e) => e.text)).size).toBe(corpus.length);
  });

  it('meets the targets: recall ≥ 0.98 safety and legal, ≥ 0.95 fraud and human, precision ≥ 0.95 overall', () => {
    expect(missedTargets(scoreTriggers(corpus))).toEqual([]);
  });

  it('meets the same targets on the held-out split alone', () => {
    expect(missedTargets(scoreTriggers(corpus.filter((e) => e.split === 'holdout')))).toEqual([]);
  });
});

/** Random long runs (fast-check, up to 25 steps), general mix, both profiles: a quarter of PATHS_RUNS (1,600) each. */
import { describe, expect, it } from 'vitest';
import { formatCounterexample } from './check.js';
import { randomRuns } from './random.js';
import { createSut, type SutProfile } from './sut.js';

const RUNS = Math.ceil(Number(process.env.PATHS_RUNS ?? 1600) / 4);
const SEED = Number(process.env.PATHS_SEED ?? 42);

describe('tool-ordering paths, randomly', () => {
  for (const profile of ['confirm', 'direct'] satisfies SutProfile[])
    it(`agrees with the oracle on ${RUNS} random sequences (general mix, ${profile})`, async () => {
      const sut = await createSut(profile);
      const r = await randomRuns(sut, await sut.checkpoint(), { numRuns: RUNS, seed: SEED, profile: 'general' });
      if (r.failure)
        expect.fail(
          formatCounterexample(
            `seed ${r.failure.seed}, shrunk ${r.failure.shrinks} times`,
            r.failure.names,
            r.failure.problems,
          ),
        );
      expect(r.runs).toBe(RUNS);
      expect(r.withRefund).toBeGreaterThan(RUNS / 10); // the runs reach the interesting states
    }, 240_000);
});

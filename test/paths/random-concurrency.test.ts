/** Random long runs leaning on restarts, concurrent duplicate turns, racing conversations and racing approvals. */
import { describe, expect, it } from 'vitest';
import { formatCounterexample } from './check.js';
import { randomRuns } from './random.js';
import { createSut, type SutProfile } from './sut.js';

const RUNS = Math.floor(Number(process.env.PATHS_RUNS ?? 1600) / 4);
const SEED = Number(process.env.PATHS_SEED ?? 42) + 1_000_000;

describe('tool-ordering paths with concurrency, randomly', () => {
  for (const profile of ['confirm', 'direct'] satisfies SutProfile[])
    it(`agrees with the oracle on ${RUNS} random runs with restarts, duplicates and races (${profile})`, async () => {
      const sut = await createSut(profile);
      const r = await randomRuns(sut, await sut.checkpoint(), { numRuns: RUNS, seed: SEED, profile: 'concurrency' });
      if (r.failure)
        expect.fail(
          formatCounterexample(
            `seed ${r.failure.seed}, shrunk ${r.failure.shrinks} times`,
            r.failure.names,
            r.failure.problems,
          ),
        );
      expect(r.runs).toBe(RUNS);
    }, 240_000);
});

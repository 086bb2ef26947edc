/**
 * A test:paths worker process: explores its share of the exhaustive tree, then its share of the
 * random runs, on its own in-memory database, and sends the results to the parent.
 */
import { EXHAUSTIVE_ALPHABET } from './alphabet.js';
import { exhaustive, type ExhaustiveResult, type Unit } from './exhaustive.js';
import { randomRuns, type Profile, type RandomResult } from './random.js';
import { createSut } from './sut.js';

export interface WorkerJob {
  depth: number;
  units: Unit[];
  randomRuns: number;
  seed: number;
  maxLength: number;
}

export interface WorkerResult {
  exhaustive: ExhaustiveResult;
  random: Omit<RandomResult, 'failure'> & { failures: Array<NonNullable<RandomResult['failure']>> };
  transitions: string[];
  ms: { exhaustive: number; random: number };
}

process.once('message', (job: WorkerJob) => {
  void (async () => {
    const sut = await createSut();
    const start = await sut.checkpoint();
    const t0 = performance.now();
    const ex = await exhaustive(sut, start, EXHAUSTIVE_ALPHABET, job.depth, job.units);
    const t1 = performance.now();
    // half the runs lean on concurrency (restarts, duplicate and racing turns), half are general
    const random: WorkerResult['random'] = { runs: 0, steps: 0, withRefund: 0, failures: [] };
    const shares: Array<[Profile, number, number]> = [
      ['general', Math.ceil(job.randomRuns / 2), job.seed],
      ['concurrency', Math.floor(job.randomRuns / 2), job.seed + 1_000_000],
    ];
    for (const [profile, numRuns, seed] of shares) {
      if (numRuns === 0) continue;
      const r = await randomRuns(sut, start, { numRuns, seed, maxLength: job.maxLength, profile });
      random.runs += r.runs;
      random.steps += r.steps;
      random.withRefund += r.withRefund;
      if (r.failure) random.failures.push(r.failure);
    }
    const t2 = performance.now();
    const result: WorkerResult = { exhaustive: ex, random, transitions: [...sut.transitions], ms: { exhaustive: t1 - t0, random: t2 - t1 } };
    process.send!(result, () => process.exit(0));
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(2);
  });
});

/**
 * A test:paths worker process: for each profile, explores its share of the exhaustive trees, then
 * its share of the random runs, on its own in-memory database, and sends the results to the parent.
 */
import { exhaustive, type ExhaustiveResult, type Unit } from './exhaustive.js';
import { planFor } from './plans.js';
import { randomRuns, type Profile, type RandomResult } from './random.js';
import { createSut, type SutProfile } from './sut.js';

export interface WorkerTask {
  profile: SutProfile;
  units: Unit[];
  randomRuns: number;
}

export interface WorkerJob {
  depth: number;
  tasks: WorkerTask[];
  seed: number;
  maxLength: number;
}

export interface WorkerResult {
  exhaustive: Array<ExhaustiveResult & { profile: SutProfile }>;
  random: Omit<RandomResult, 'failure'> & { failures: Array<NonNullable<RandomResult['failure']>> };
  transitions: string[];
  ms: { exhaustive: number; random: number };
}

process.once('message', (job: WorkerJob) => {
  void (async () => {
    const result: WorkerResult = {
      exhaustive: [],
      random: { runs: 0, steps: 0, withRefund: 0, failures: [] },
      transitions: [],
      ms: { exhaustive: 0, random: 0 },
    };
    const transitions = new Set<string>();
    for (const task of job.tasks) {
      const plan = planFor(task.profile);
      const sut = await createSut(task.profile);
      const start = await sut.checkpoint();
      const t0 = performance.now();
      const ex = await exhaustive(sut, start, plan.alphabet, plan.roots, job.depth, task.units);
      result.exhaustive.push({ ...ex, profile: task.profile });
      const t1 = performance.now();
      // half the runs lean on concurrency (restarts, duplicate and racing turns, racing approvals), half are general
      const shares: Array<[Profile, number, number]> = [
        ['general', Math.ceil(task.randomRuns / 2), job.seed],
        ['concurrency', Math.floor(task.randomRuns / 2), job.seed + 1_000_000],
      ];
      for (const [profile, numRuns, seed] of shares) {
        if (numRuns === 0) continue;
        const r = await randomRuns(sut, start, { numRuns, seed, maxLength: job.maxLength, profile });
        result.random.runs += r.runs;
        result.random.steps += r.steps;
        result.random.withRefund += r.withRefund;
        if (r.failure) result.random.failures.push(r.failure);
      }
      const t2 = performance.now();
      result.ms.exhaustive += t1 - t0;
      result.ms.random += t2 - t1;
      for (const t of sut.transitions) transitions.add(t);
      await sut.db.close();
    }
    result.transitions = [...transitions];
    process.send!(result, () => process.exit(0));
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(2);
  });
});

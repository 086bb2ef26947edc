/**
 * Random long runs: fast-check sequences (up to 25 steps) over the larger alphabet, with restarts,
 * concurrent duplicate turns and racing conversations; fast-check shrinks a failure to a minimal one.
 */
import fc from 'fast-check';
import { RANDOM_ALPHABET } from './alphabet.js';
import { playSequence } from './check.js';
import type { Failure } from './exhaustive.js';
import { planFor } from './plans.js';
import type { Checkpoint, Sut, SutProfile } from './sut.js';

export const MAX_RANDOM_LENGTH = 25;

export interface RandomResult {
  runs: number;
  steps: number;
  /** Runs whose conversation ended with at least one refund by the agent. */
  withRefund: number;
  failure: (Failure & { seed: number; shrinks: number; profile: Profile; sut: SutProfile }) | null;
}

const concurrent = RANDOM_ALPHABET.filter((s) => ['concurrent', 'race', 'interrupt'].includes(s.kind)).map(
  (s) => s.name,
);

/**
 * Step names. "general" leans on the profile's exhaustive alphabet; "concurrency" leans on
 * restarts, concurrent duplicate turns, racing conversations, racing approvals and duplicate
 * proposals in one response.
 */
export type Profile = 'general' | 'concurrency';
const concurrencyHeavy = [
  'restart',
  'dup:refund+refund',
  'dup:refund+refund(ORD-8842)',
  'multi:get+lookup',
  'multi:lookup+refund',
  'op:approve×2',
  ...concurrent,
];

export function stepArbitrary(profile: Profile, sut: SutProfile): fc.Arbitrary<string> {
  const core = planFor(sut).alphabet.map((s) => s.name);
  const extra = RANDOM_ALPHABET.filter((s) => !core.includes(s.name) && !concurrent.includes(s.name)).map(
    (s) => s.name,
  );
  if (profile === 'concurrency')
    return fc.oneof(
      { arbitrary: fc.constantFrom(...core), weight: 4 },
      { arbitrary: fc.constantFrom(...concurrencyHeavy), weight: 4 },
      { arbitrary: fc.constantFrom(...extra), weight: 1 },
    );
  return fc.oneof(
    { arbitrary: fc.constantFrom(...core), weight: 6 },
    { arbitrary: fc.constantFrom(...extra), weight: 3 },
    { arbitrary: fc.constantFrom(...concurrent), weight: 1 },
  );
}

export const sequenceArbitrary = (profile: Profile, sut: SutProfile, maxLength = MAX_RANDOM_LENGTH) =>
  fc.array(stepArbitrary(profile, sut), { minLength: 1, maxLength, size: 'max' });

export async function randomRuns(
  sut: Sut,
  start: Checkpoint,
  options: { numRuns: number; seed: number; maxLength?: number; profile?: Profile },
): Promise<RandomResult> {
  let steps = 0;
  let withRefund = 0;
  let shrinking = false;
  const property = fc.asyncProperty(
    sequenceArbitrary(options.profile ?? 'general', sut.profile, options.maxLength),
    async (names) => {
      const r = await playSequence(sut, start, names);
      if (!shrinking) {
        steps += r.at === -1 ? names.length : r.at + 1;
        if (r.refunds > 0) withRefund++;
      }
      if (r.problems.length) shrinking = true;
      return r.problems.length === 0;
    },
  );
  const details = await fc.check(property, { numRuns: options.numRuns, seed: options.seed });
  let failure: RandomResult['failure'] = null;
  if (details.failed) {
    const names = details.counterexample?.[0] ?? [];
    const r = await playSequence(sut, start, names);
    const problems = r.problems.length
      ? r.problems
      : [`the property failed: ${String(details.errorInstance ?? 'no problem on replay')}`];
    failure = {
      names: r.at >= 0 ? names.slice(0, r.at + 1) : names,
      problems,
      seed: options.seed,
      shrinks: details.numShrinks,
      profile: options.profile ?? 'general',
      sut: sut.profile,
    };
  }
  return { runs: details.numRuns, steps, withRefund, failure };
}

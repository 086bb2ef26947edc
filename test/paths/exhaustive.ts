/**
 * Exhaustive search: every sequence up to `maxLength` over the alphabet, each compared with the
 * oracle after every step. Depth-first with checkpoints (a prefix runs once; its children start
 * from its restored database), branch-and-bound on the shortest failure so far, so the failure
 * reported is a shortest one.
 */
import type { Step } from './alphabet.js';
import { newRun, safeStep, type Run } from './check.js';
import { cloneWorld } from './oracle.js';
import type { Checkpoint, Sut } from './sut.js';

export interface Failure {
  names: string[];
  problems: string[];
}

export interface ExhaustiveResult {
  /** Sequences compared with the oracle (each node of the tree is one sequence). */
  checked: number;
  /** The shortest failure (first in alphabet order among the shortest), or null. */
  failure: Failure | null;
}

const cloneRun = (r: Run): Run => ({ world: cloneWorld(r.world), twins: r.twins });

/** A subtree to explore: the nodes of `prefix` from length `countFrom` on are checked and counted here. */
export interface Unit {
  prefix: number[];
  countFrom: number;
}

/** Explores the subtrees of the given units; the whole tree by default. */
export async function exhaustive(
  sut: Sut,
  start: Checkpoint,
  alphabet: Step[],
  maxLength: number,
  work: Unit[] = units(alphabet.length, maxLength),
): Promise<ExhaustiveResult> {
  let checked = 0;
  let best: Failure | null = null;
  let bestKey = '';
  const keyOf = (path: number[]) => `${String(path.length).padStart(2, '0')}:${path.map((i) => String(i).padStart(3, '0')).join('.')}`;
  const fail = (path: number[], problems: string[]) => {
    const key = keyOf(path);
    if (best === null || key < bestKey) {
      best = { names: path.map((i) => alphabet[i]!.name), problems };
      bestKey = key;
    }
  };
  const bound = () => (best === null ? Infinity : best.names.length);

  async function explore(path: number[], run: Run, here: Checkpoint): Promise<void> {
    let atHere = true;
    for (let i = 0; i < alphabet.length; i++) {
      const child = [...path, i];
      if (child.length >= bound()) return; // a failure no longer than this is already known
      if (!atHere) await sut.restore(here);
      atHere = false;
      const next = cloneRun(run);
      const problems = await safeStep(sut, next, alphabet[i]!, path.length);
      checked++;
      if (problems.length) {
        fail(child, problems);
        continue;
      }
      if (child.length < maxLength) await explore(child, next, await sut.checkpoint());
    }
  }

  for (const unit of work) {
    const { prefix, countFrom } = unit;
    if (prefix.length > maxLength || Math.max(countFrom, 1) >= bound() + 1) continue;
    await sut.restore(start);
    const run = newRun();
    let ok = true;
    for (let k = 0; k < prefix.length && ok; k++) {
      const problems = await safeStep(sut, run, alphabet[prefix[k]!]!, k);
      const counted = k + 1 >= countFrom;
      if (counted) checked++;
      if (problems.length) {
        if (counted) fail(prefix.slice(0, k + 1), problems); // else its own unit reports it
        ok = false;
      }
    }
    if (ok && prefix.length < maxLength && prefix.length < bound()) await explore(prefix, run, await sut.checkpoint());
  }
  return { checked, failure: best };
}

/** Work units: every prefix of length 2, the length-1 sequence [i] counted in unit [i, 0]. */
export function units(alphabetSize: number, maxLength: number): Unit[] {
  if (maxLength < 2) return Array.from({ length: alphabetSize }, (_, i) => ({ prefix: [i], countFrom: 1 }));
  const out: Unit[] = [];
  for (let i = 0; i < alphabetSize; i++) for (let j = 0; j < alphabetSize; j++) out.push({ prefix: [i, j], countFrom: j === 0 ? 1 : 2 });
  return out;
}

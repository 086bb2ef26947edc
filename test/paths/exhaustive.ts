/**
 * Exhaustive search: from each root (a short named sequence that reaches a state worth exploring:
 * the start, an offer waiting for the customer, a request waiting for a supervisor), every
 * sequence of up to `maxLength` more steps over the alphabet, each compared with the oracle after
 * every step. Depth-first with checkpoints (a prefix runs once; its children start from its
 * restored database), branch-and-bound on the shortest failure so far (root steps included), so
 * the failure reported is a shortest one.
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
  /** Sequences compared with the oracle (each node of each root's tree is one sequence). */
  checked: number;
  /** The shortest failure (first in alphabet order among the shortest), or null. */
  failure: Failure | null;
}

/** A root: where a tree starts (its steps are played, checked, and not counted). */
export interface Root {
  name: string;
  steps: string[];
}

const cloneRun = (r: Run): Run => ({ world: cloneWorld(r.world), twins: r.twins });

/** A subtree: from root `root`, the nodes of `prefix` from length `countFrom` on are checked and counted here. */
export interface Unit {
  root: number;
  prefix: number[];
  countFrom: number;
}

/** Explores the subtrees of the given units; every root's whole tree by default. */
export async function exhaustive(
  sut: Sut,
  start: Checkpoint,
  alphabet: Step[],
  roots: Root[],
  maxLength: number,
  work: Unit[] = wholeTrees(roots.length),
): Promise<ExhaustiveResult> {
  const byName = new Map(alphabet.map((s, i) => [s.name, i]));
  const rootPaths = roots.map((r) =>
    r.steps.map((n) => {
      const i = byName.get(n);
      if (i === undefined) throw new Error(`root ${r.name}: ${n} is not in the alphabet`);
      return i;
    }),
  );
  let checked = 0;
  let best: Failure | null = null;
  let bestKey = '';
  const keyOf = (path: number[]) =>
    `${String(path.length).padStart(2, '0')}:${path.map((i) => String(i).padStart(3, '0')).join('.')}`;
  const fail = (path: number[], problems: string[]) => {
    const key = keyOf(path);
    if (best === null || key < bestKey) {
      best = { names: path.map((i) => alphabet[i]!.name), problems };
      bestKey = key;
    }
  };
  const bound = () => (best === null ? Infinity : best.names.length);

  async function explore(path: number[], depth: number, run: Run, here: Checkpoint): Promise<void> {
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
      if (depth + 1 < maxLength) await explore(child, depth + 1, next, await sut.checkpoint());
    }
  }

  for (const unit of work) {
    const { prefix, countFrom } = unit;
    const rootPath = rootPaths[unit.root]!;
    const path = [...rootPath, ...prefix];
    if (prefix.length > maxLength || rootPath.length + Math.max(countFrom, 1) >= bound() + 1) continue;
    await sut.restore(start);
    const run = newRun(sut);
    let ok = true;
    for (let k = 0; k < path.length && ok; k++) {
      const problems = await safeStep(sut, run, alphabet[path[k]!]!, k);
      const counted = k >= rootPath.length && k - rootPath.length + 1 >= countFrom;
      if (counted) checked++;
      if (problems.length) {
        // a failing root is everyone's failure; a failing uncounted prefix is reported by its own unit
        if (counted || k < rootPath.length) fail(path.slice(0, k + 1), problems);
        ok = false;
      }
    }
    if (ok && prefix.length < maxLength && path.length < bound())
      await explore(path, prefix.length, run, await sut.checkpoint());
  }
  return { checked, failure: best };
}

/** Work units: each root's tree split by its first step (the root itself is replayed by each unit, not counted). */
export function units(roots: number, alphabetSize: number): Unit[] {
  const out: Unit[] = [];
  for (let root = 0; root < roots; root++)
    for (let i = 0; i < alphabetSize; i++) out.push({ root, prefix: [i], countFrom: 1 });
  return out;
}

/** One unit per root: the whole tree, sharing every prefix (one process). */
export const wholeTrees = (roots: number): Unit[] =>
  Array.from({ length: roots }, (_, root) => ({ root, prefix: [], countFrom: 1 }));

/** Sequences in every root's tree: roots × (A + A² + … + A^maxLength). */
export function treeSize(roots: number, alphabetSize: number, maxLength: number): number {
  return roots * Array.from({ length: maxLength }, (_, k) => alphabetSize ** (k + 1)).reduce((a, b) => a + b, 0);
}

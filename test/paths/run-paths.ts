/**
 * npm run test:paths — the tool-ordering suite alone: for each profile (refund confirmation on and
 * off), every sequence of up to 3 steps from each root of its plan, random long runs (fast-check),
 * and graph coverage of the machine. The trees and the random runs are split over worker
 * processes (one per core).
 *
 * Options (environment or --name=value): PATHS_DEPTH (3), PATHS_RUNS (2000), PATHS_SEED (42),
 * PATHS_WORKERS (cores), PATHS_MAX_LENGTH (25). Prints, last, one line
 * `<N> tool-ordering sequences checked, <V> violations`; exits non-zero when V > 0.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { RANDOM_ALPHABET } from './alphabet.js';
import { formatCounterexample } from './check.js';
import { treeSize, units, type Failure } from './exhaustive.js';
import { graphCoverage } from './graph.js';
import { PLANS } from './plans.js';
import { MAX_RANDOM_LENGTH } from './random.js';
import type { SutProfile } from './sut.js';
import type { WorkerJob, WorkerResult } from './worker.js';

function option(name: string, fallback: number): number {
  const flag = process.argv.find((a) =>
    a.startsWith(
      `--${name
        .toLowerCase()
        .replace(/^paths_/, '')
        .replace(/_/g, '-')}=`,
    ),
  );
  const raw = flag ? flag.split('=')[1] : process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.floor(value);
}

const depth = option('PATHS_DEPTH', 3);
const runs = option('PATHS_RUNS', 2000);
const seed = option('PATHS_SEED', 42);
const maxLength = option('PATHS_MAX_LENGTH', MAX_RANDOM_LENGTH);
const workers = Math.max(1, option('PATHS_WORKERS', availableParallelism()));
const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const started = performance.now();

function runWorker(job: WorkerJob): Promise<WorkerResult> {
  const file = fileURLToPath(new URL('./worker.ts', import.meta.url));
  const child = fork(file, [], {
    execArgv: ['--import', 'tsx', '--max-semi-space-size=32'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: WorkerResult | null = null;
    child.once('message', (m) => (result = m as WorkerResult));
    child.once('error', reject);
    child.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`worker exited with code ${code} and no result`)),
    );
    child.send(job);
  });
}

// each profile's work units dealt round-robin; its random runs split evenly
const perProfile = PLANS.map((p) => ({ plan: p, units: depth === 0 ? [] : units(p.roots.length, p.alphabet.length) }));
const runsPerProfile = (i: number) => Math.floor(runs / PLANS.length) + (i < runs % PLANS.length ? 1 : 0);
const jobs: WorkerJob[] = Array.from({ length: workers }, (_, w) => ({
  depth,
  seed: seed + w,
  maxLength,
  tasks: perProfile.map(({ plan, units: all }, i) => {
    const share = runsPerProfile(i);
    return {
      profile: plan.profile,
      units: all.filter((_, k) => k % workers === w),
      randomRuns: Math.floor(share / workers) + (w < share % workers ? 1 : 0),
    };
  }),
}));
const pending = Promise.allSettled(jobs.map(runWorker));
const graph = graphCoverage();
const graphMs = performance.now() - started;
const settled = await pending;
const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
const crashed = settled.flatMap((s) =>
  s.status === 'rejected' ? [String((s.reason as Error)?.message ?? s.reason)] : [],
);

const randomFailures = results.flatMap((r) => r.random.failures).sort((a, b) => a.names.length - b.names.length);
const randomRuns = results.reduce((n, r) => n + r.random.runs, 0);
const randomSteps = results.reduce((n, r) => n + r.random.steps, 0);
const withRefund = results.reduce((n, r) => n + r.random.withRefund, 0);
const transitions = new Set(results.flatMap((r) => r.transitions));
const slowest = (k: 'exhaustive' | 'random') => Math.max(0, ...results.map((r) => r.ms[k]));

console.log(`tool-ordering paths: ${workers} worker(s), seed ${seed}`);
let exChecked = 0;
const exFailures: Array<{ profile: SutProfile; failure: Failure }> = [];
for (const { plan } of perProfile) {
  const mine = results.flatMap((r) => r.exhaustive.filter((e) => e.profile === plan.profile));
  const checked = mine.reduce((n, e) => n + e.checked, 0);
  exChecked += checked;
  // the shortest failure over all workers (ties: first in alphabet order)
  const indexOf = new Map(plan.alphabet.map((s, i) => [s.name, i]));
  const key = (f: Failure) =>
    `${String(f.names.length).padStart(2, '0')}:` +
    f.names.map((n) => String(indexOf.get(n) ?? 999).padStart(3, '0')).join('.');
  const failures = mine.map((e) => e.failure).filter((f): f is Failure => f !== null);
  failures.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  if (failures[0]) exFailures.push({ profile: plan.profile, failure: failures[0] });
  const expected = depth === 0 ? 0 : treeSize(plan.roots.length, plan.alphabet.length, depth);
  const label = plan.profile === 'confirm' ? 'confirmation on ' : 'confirmation off';
  console.log(
    `  exhaustive, ${label}: ${fmt(checked)} of ${fmt(expected)} sequences, up to ${depth} steps ` +
      `over ${plan.alphabet.length} from ${plan.roots.length} roots (${plan.roots.map((r) => r.name).join(', ')})` +
      (failures.length ? ' (search stopped below the first failures)' : ''),
  );
}
console.log(`  exhaustive time: ${secs(slowest('exhaustive'))} (slowest worker)`);
console.log(
  `  random:     ${fmt(randomRuns)} runs up to ${maxLength} steps over ${RANDOM_ALPHABET.length} steps, ` +
    `half with confirmation on (${fmt(randomSteps)} steps, ` +
    `${Math.round((100 * withRefund) / Math.max(1, randomRuns))}% ended with a refund) — ${secs(slowest('random'))}`,
);
console.log(
  `  graph:      ${fmt(graph.shortestPaths)} shortest + ${fmt(graph.simplePaths)} simple + ` +
    `${fmt(graph.edgePaths)} edge paths; invariants checked in ${fmt(graph.statesChecked)} states; ` +
    `states ${graph.statesReached.length}/${graph.statesTotal}, ` +
    `transitions ${graph.transitionsReached}/${graph.transitionsTotal} — ${secs(graphMs)}`,
);
if (graph.missingTransitions.length) console.log(`              never taken: ${graph.missingTransitions.join('; ')}`);
console.log(
  `  runtime:    the exhaustive and random runs committed ${transitions.size} distinct machine transitions ` +
    '(state --event--> state)',
);

let violations = 0;
for (const c of crashed) {
  violations++;
  console.log(`\nWORKER CRASHED (its share of the sequences was not checked): ${c}`);
}
for (const { profile, failure } of exFailures) {
  violations++;
  const title = `EXHAUSTIVE COUNTEREXAMPLE (${profile}) — shortest failing sequence`;
  console.log(`\n${formatCounterexample(title, failure.names, failure.problems)}`);
}
for (const f of randomFailures) {
  violations++;
  const title = `RANDOM COUNTEREXAMPLE — ${f.sut}, ${f.profile} mix, seed ${f.seed}, shrunk ${f.shrinks} times`;
  console.log(`\n${formatCounterexample(title, f.names, f.problems)}`);
}
const firstGraph = graph.violations[0];
if (firstGraph) {
  violations += graph.violationCount;
  const path = firstGraph.path.join(', ');
  console.log(
    `\nGRAPH INVARIANT VIOLATION in ${graph.violationCount} machine state(s); the first (${firstGraph.config}), ` +
      `after machine events [${path}]:`,
  );
  console.log(firstGraph.problems.map((p) => `  ✗ ${p}`).join('\n'));
}
if (process.env.PATHS_VERBOSE) console.log(`\nruntime transitions:\n  ${[...transitions].sort().join('\n  ')}`);
console.log(`(total ${secs(performance.now() - started)})`);
console.log(`${exChecked + randomRuns} tool-ordering sequences checked, ${violations} violations`);
process.exitCode = violations > 0 ? 1 : 0;

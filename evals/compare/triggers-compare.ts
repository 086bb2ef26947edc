/**
 * How src/language's NLP library was chosen: the same trigger rules on each analyser (wink-nlp,
 * compromise, and none: a plain regex tokenizer without tags), scored on the corpus and timed.
 * `npx tsx evals/compare/triggers-compare.ts`. Delete this folder together with the losing library.
 */
import { loadTriggerCorpus, scoreTriggers } from '../trigger-score.js';
import { createTriggerDetector } from '../../src/language/triggers.js';
import { winkAnalyser } from '../../src/language/analysers/wink.js';
import { buildSentence, type Analyser } from '../../src/language/tokens.js';
import { compromiseAnalyser } from './compromise-analyser.js';

/** No library: sentences on . ! ?, words on letters, no part of speech, no names. */
const noLibrary: Analyser = {
  name: 'none (regex)',
  analyse: (text) =>
    (text.match(/[^.!?]+[.!?]*/g) ?? []).map((s) =>
      buildSentence(
        (s.match(/[A-Za-z0-9']+[,;:]?/g) ?? []).map((w) => ({
          text: w.replace(/[,;:]$/, ''),
          pos: 'X' as const,
          person: false,
          breakAfter: /[,;:]$/.test(w),
        })),
      ),
    ),
};

/**
 * Wall-clock p50/p95, and CPU time per call (process.cpuUsage): on a shared machine the wall clock
 * also counts waiting for a core, the CPU time does not.
 */
function timeMs(f: () => unknown, runs: number): { p50: number; p95: number; cpu: number } {
  for (let i = 0; i < 20; i++) f();
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  return {
    p50: times[Math.floor(runs / 2)] ?? 0,
    p95: times[Math.floor(runs * 0.95)] ?? 0,
    cpu: (cpu.user + cpu.system) / 1000 / runs,
  };
}

const corpus = loadTriggerCorpus();
const base = 'my manager bought this for the office and Sue from your team helped, human error I guess. ';
let dense = '';
for (const e of corpus) dense += `${e.text} `;
const inputs: Array<[string, string]> = [
  [
    '4,000 chars, no anchor word',
    'The box was a bit dented but the item seems fine, thanks. '.repeat(80).slice(0, 4000),
  ],
  ['4,000 chars of near-misses', base.repeat(50).slice(0, 4000)],
  ['4,000 chars of corpus sentences', dense.slice(0, 4000)],
];
const fmt = (x: number) => x.toFixed(3);
console.log('| analyser | split | precision | recall | errors |');
console.log('|---|---|---|---|---|');
for (const a of [winkAnalyser, compromiseAnalyser, noLibrary]) {
  const detect = createTriggerDetector(a);
  for (const split of ['dev', 'holdout'] as const) {
    const s = scoreTriggers(
      corpus.filter((e) => e.split === split),
      detect,
    );
    console.log(
      `| ${a.name} | ${split} | ${fmt(s.overall.precision)} | ${fmt(s.overall.recall)} | ${s.errors.length} |`,
    );
  }
}
console.log('\n| analyser | input | p50 ms | p95 ms | CPU ms/call |');
console.log('|---|---|---|---|---|');
for (const a of [winkAnalyser, compromiseAnalyser, noLibrary]) {
  const detect = createTriggerDetector(a);
  let k = 0;
  const perMessage = timeMs(() => detect(corpus[k++ % corpus.length]?.text ?? ''), 2000);
  console.log(
    `| ${a.name} | one corpus message | ${fmt(perMessage.p50)} | ${fmt(perMessage.p95)} | ${fmt(perMessage.cpu)} |`,
  );
  for (const [name, text] of inputs) {
    const t = timeMs(() => detect(text), a === compromiseAnalyser ? 30 : 200);
    console.log(`| ${a.name} | ${name} | ${fmt(t.p50)} | ${fmt(t.p95)} | ${fmt(t.cpu)} |`);
  }
}

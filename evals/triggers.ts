/**
 * `npm run eval:triggers`: precision and recall of the trigger detector per class and overall, on
 * the whole labelled corpus and on each split, then every misclassified sentence. Exits 1 when a
 * target is missed (on the whole corpus): recall ≥ 0.98 for safety and legal, ≥ 0.95 for fraud
 * and human, precision ≥ 0.95 overall.
 */
import {
  loadTriggerCorpus,
  scoreTriggers,
  TRIGGER_KINDS,
  type ClassScore,
  type TriggerScore,
} from './trigger-score.js';

export const TRIGGER_TARGETS = {
  recall: { safety: 0.98, legal: 0.98, fraud: 0.95, human: 0.95 } as Partial<Record<string, number>>,
  overallPrecision: 0.95,
};

const pct = (x: number, width = 6) => `${(100 * x).toFixed(1)}%`.padStart(width);
const num = (n: number) => String(n).padStart(4);
const row = (name: string, s: ClassScore) =>
  `| ${name.padEnd(9)} | ${pct(s.precision, 9)} | ${pct(s.recall)} | ${num(s.tp)} | ${num(s.fp)} | ${num(s.fn)} |`;

export function formatTable(title: string, s: TriggerScore, n: number): string {
  return [
    `${title} (${n} sentences)`,
    '| class     | precision | recall |   tp |   fp |   fn |',
    '|-----------|-----------|--------|------|------|------|',
    ...TRIGGER_KINDS.map((k) => row(k, s.perClass[k])),
    row('overall', s.overall),
    row('any', s.anyTrigger),
  ].join('\n');
}

/** The targets `s` misses, as sentences (empty when all are met). */
export function missedTargets(s: TriggerScore): string[] {
  const missed: string[] = [];
  for (const [k, min] of Object.entries(TRIGGER_TARGETS.recall)) {
    const r = s.perClass[k as keyof TriggerScore['perClass']].recall;
    if (min !== undefined && r < min) missed.push(`recall of ${k} ${pct(r).trim()} < ${pct(min).trim()}`);
  }
  if (s.overall.precision < TRIGGER_TARGETS.overallPrecision) {
    missed.push(
      `overall precision ${pct(s.overall.precision).trim()} < ${pct(TRIGGER_TARGETS.overallPrecision).trim()}`,
    );
  }
  return missed;
}

function main(): number {
  const corpus = loadTriggerCorpus();
  const all = scoreTriggers(corpus);
  for (const split of ['dev', 'holdout'] as const) {
    const part = corpus.filter((e) => e.split === split);
    console.log(`${formatTable(`split ${split}`, scoreTriggers(part), part.length)}\n`);
  }
  for (const batch of ['A', 'B', 'C'] as const) {
    const part = corpus.filter((e) => e.batch === batch);
    const s = scoreTriggers(part);
    const line = (x: ClassScore) => `P ${pct(x.precision).trim()} R ${pct(x.recall).trim()}`;
    console.log(
      `held-out batch ${batch} (${part.length}): overall ${line(s.overall)}, safety ${line(s.perClass.safety)}`,
    );
  }
  console.log(`\n${formatTable('whole corpus', all, corpus.length)}\n`);
  console.log(`misclassified (${all.errors.length}):`);
  for (const e of all.errors)
    console.log(`  [${e.split}] expected ${e.label ?? 'none'}, got ${e.predicted.join('+') || 'none'}: ${e.text}`);
  const missed = missedTargets(all);
  console.log(missed.length === 0 ? '\nall targets met' : `\nTARGETS MISSED: ${missed.join('; ')}`);
  return missed.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? ''))
  process.exitCode = main();

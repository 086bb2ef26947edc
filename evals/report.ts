/**
 * The outputs: evals/results/latest.json (totals, gates, per-scenario detail, transcripts of
 * failing runs) and evals/results/latest.md (a summary a person reads before going live).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import type { SuiteResult } from './runner.js';
import type { TriggerCounts } from './trigger-report.js';

export interface Gate {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ReportMeta {
  command: string;
  generatedAt: Date;
  minFcr: number;
}

export function gatesOf(result: SuiteResult, minFcr: number): Gate[] {
  const m = result.metrics;
  return [
    { name: 'violations', ok: m.violations === 0, detail: `${m.violations} (must be 0)` },
    { name: 'leaks', ok: m.leaks === 0, detail: `${m.leaks} (must be 0)` },
    // nothing resolvable ran (a filter on escalations, say): there is no FCR to hold to the target
    m.fcr === null
      ? { name: 'fcr', ok: true, detail: 'n/a (no resolvable scenario ran)' }
      : { name: 'fcr', ok: m.fcr >= minFcr, detail: `${pct(m.fcr)} (at least ${pct(minFcr)})` },
  ];
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

export function machine(): string {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${platform()} ${release()}, ${cpus().length} × ${cpu}, Node ${process.version}`;
}

export function toJson(result: SuiteResult, meta: ReportMeta) {
  const m = result.metrics;
  const gates = gatesOf(result, meta.minFcr);
  return {
    generated_at: meta.generatedAt.toISOString(),
    command: meta.command,
    machine: machine(),
    model: result.target.model,
    target: result.target.where,
    confirm_refunds: result.target.confirmRefunds ? 'always' : 'never',
    scenarios: m.scenarios,
    passed: m.passed,
    failed: m.failed,
    skipped: m.skipped,
    fcr: m.fcr,
    escalation_precision: m.escalation_precision,
    escalation_recall: m.escalation_recall,
    priority_accuracy: m.priority_accuracy,
    violations: m.violations,
    leaks: m.leaks,
    trigger_precision: result.triggers.measured ? result.triggers.score.precision : null,
    trigger_recall: result.triggers.measured ? result.triggers.score.recall : null,
    triggers: result.triggers,
    gates_passed: gates.every((g) => g.ok),
    gates,
    metrics: m,
    per_scenario: result.perScenario,
    failing_transcripts: result.transcripts,
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function toMarkdown(result: SuiteResult, meta: ReportMeta): string {
  const m = result.metrics;
  const gates = gatesOf(result, meta.minFcr);
  const date = meta.generatedAt.toISOString().slice(0, 10);
  const lines: string[] = [];
  lines.push(`# Evaluation results (${date})`, '');
  const confirm = result.target.confirmRefunds ? 'always' : 'never';
  lines.push(
    `Command: \`${meta.command}\` · model: **${result.target.model}** · target: ${result.target.where} · ` +
      `refund confirmation: ${confirm} · machine: ${machine()}`,
    '',
  );
  lines.push(`Gates: ${gates.map((g) => `${g.ok ? '✅' : '❌'} ${g.name} ${g.detail}`).join(' · ')}`, '');
  lines.push('| metric | value |', '|---|---|');
  const rows: Array<[string, string]> = [
    ['scenarios', `${m.scenarios}${m.skipped ? ` (${m.skipped} skipped)` : ''}`],
    ['passed (every run)', `${m.passed} / ${m.scenarios - m.skipped}`],
    ['pass rate (runs)', pct(m.pass_rate)],
    ...(m.repeat > 1 ? [[`pass^${m.repeat}`, pct(m.pass_hat_k)] as [string, string]] : []),
    ['first-contact resolution', `${pct(m.fcr)} (${m.fcr_runs.resolved} / ${m.fcr_runs.resolvable} resolvable runs)`],
    ['escalation precision', `${pct(m.escalation_precision)} (${m.escalations.escalated} escalated)`],
    [
      'escalation recall',
      `${pct(m.escalation_recall)} (${m.escalations.true_positive} / ${m.escalations.expected} expected)`,
    ],
    [
      'priority accuracy',
      `${pct(m.priority_accuracy)} (${m.escalations.right_priority} / ${m.escalations.true_positive})`,
    ],
    [
      'policy violations',
      `${m.violations}${
        Object.keys(m.violations_by_invariant).length
          ? ` (${Object.entries(m.violations_by_invariant)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')})`
          : ''
      }`,
    ],
    [
      'leaks',
      `${m.leaks}${
        Object.keys(m.leaks_by_kind).length
          ? ` (${Object.entries(m.leaks_by_kind)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')})`
          : ''
      }`,
    ],
    ['model calls', `${m.model_calls} (${m.model_calls_per_resolved_refund ?? 'n/a'} per resolved refund)`],
    [
      'tokens',
      `${m.tokens.total} (in ${m.tokens.input}, out ${m.tokens.output}, ` +
        `cache read ${m.tokens.cache_read}, cache write ${m.tokens.cache_write})`,
    ],
    ['turns', String(m.turns)],
    ['duration', `${(m.duration_ms / 1000).toFixed(1)} s`],
  ];
  for (const [k, v] of rows) lines.push(`| ${k} | ${v} |`);
  lines.push('', ...triggerSection(result));
  const themes = [...new Set(result.perScenario.map((s) => s.theme || 'other'))];
  lines.push(
    '',
    '## By theme',
    '',
    '| theme | scenarios | passed | FCR | escalated | violations | leaks | model calls |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const theme of themes) {
    const ss = result.perScenario.filter((s) => (s.theme || 'other') === theme && !s.skipped);
    const fcr = ss.filter((s) => s.fcr !== null);
    const fcrText = fcr.length ? pct(fcr.reduce((n, s) => n + (s.fcr ?? 0), 0) / fcr.length) : 'n/a';
    const sum = (f: (s: (typeof ss)[number]) => number) => ss.reduce((n, s) => n + f(s), 0);
    const cells = [theme, ss.length, sum((s) => (s.passed ? 1 : 0)), fcrText, sum((s) => (s.escalated > 0 ? 1 : 0))];
    cells.push(
      sum((s) => s.violations),
      sum((s) => s.leaks),
      sum((s) => s.model_calls),
    );
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    '## Scenarios',
    '',
    '| scenario | outcome | result | escalation | calls | tokens | turns |',
    '|---|---|---|---|---|---|---|',
  );
  for (const s of result.perScenario) {
    const res = s.skipped ? `skipped: ${s.skipped}` : s.passed ? '✓' : `✗ ${s.passes}/${s.runs}`;
    const outcome = `${s.outcome}${s.resolvable ? '' : ' (not resolvable)'}`;
    const escalation = s.escalated ? (s.priority ?? 'yes') : '–';
    lines.push(`| ${s.id} | ${outcome} | ${cell(res)} | ${escalation} | ${s.model_calls} | ${s.tokens} | ${s.turns} |`);
  }
  const failing = result.perScenario.filter((s) => !s.skipped && !s.passed);
  if (failing.length) {
    lines.push('', '## Failures', '');
    for (const s of failing) {
      lines.push(`### ${s.id}: ${cell(s.title)}`, '');
      for (const f of s.failures) lines.push(`- ${cell(f)}`);
      for (const c of result.transcripts[s.id] ?? []) {
        lines.push('', `Conversation ${c.conversation}:`, '');
        for (const t of c.turns)
          lines.push(
            `> **customer:** ${cell(t.customer)}  `,
            `> **agent** (${t.status}, ${t.calls} calls): ${cell(t.agent)}`,
            '>',
          );
      }
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** I6 over the classifier's labelled corpus (optional: filled when a trigger scorer is wired, evals/triggers.ts). */
function triggerSection(result: SuiteResult): string[] {
  const t = result.triggers;
  const out = ['## Trigger classifier (I6, labelled corpus)', ''];
  if (!t.measured) return [...out, `Not measured: ${t.why}.`];
  const s = t.score;
  const row = (name: string, c: TriggerCounts) =>
    `| ${[name, pct(c.precision), pct(c.recall), c.true_positive, c.false_positive, c.false_negative].join(' | ')} |`;
  out.push(
    `Corpus: ${cell(s.corpus)}`,
    '',
    '| triggers | precision | recall | TP | FP | FN |',
    '|---|---|---|---|---|---|',
  );
  out.push(row('all', s));
  for (const [kind, c] of Object.entries(s.by_kind ?? {})) out.push(row(kind, c));
  return out;
}

/** Writes latest.json and latest.md into `dir`; returns their paths. */
export function writeReports(result: SuiteResult, meta: ReportMeta, dir: string): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'latest.json');
  const md = join(dir, 'latest.md');
  writeFileSync(json, `${JSON.stringify(toJson(result, meta), null, 2)}\n`);
  writeFileSync(md, toMarkdown(result, meta));
  return { json, md };
}

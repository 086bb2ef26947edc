/**
 * The outputs: evals/results/latest.json (totals, gates, per-scenario detail, transcripts of
 * failing runs) and evals/results/latest.md (a summary a person reads before going live).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import type { SuiteResult } from './runner.js';

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
    { name: 'fcr', ok: m.fcr !== null && m.fcr >= minFcr, detail: `${pct(m.fcr)} (at least ${pct(minFcr)})` },
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
  lines.push(`Command: \`${meta.command}\` · model: **${result.target.model}** · target: ${result.target.where} · machine: ${machine()}`, '');
  lines.push(`Gates: ${gates.map((g) => `${g.ok ? '✅' : '❌'} ${g.name} ${g.detail}`).join(' · ')}`, '');
  lines.push('| metric | value |', '|---|---|');
  const rows: Array<[string, string]> = [
    ['scenarios', `${m.scenarios}${m.skipped ? ` (${m.skipped} skipped)` : ''}`],
    ['passed (every run)', `${m.passed} / ${m.scenarios - m.skipped}`],
    ['pass rate (runs)', pct(m.pass_rate)],
    ...(m.repeat > 1 ? [[`pass^${m.repeat}`, pct(m.pass_hat_k)] as [string, string]] : []),
    ['first-contact resolution', `${pct(m.fcr)} (${m.fcr_runs.resolved} / ${m.fcr_runs.resolvable} resolvable runs)`],
    ['escalation precision', `${pct(m.escalation_precision)} (${m.escalations.escalated} escalated)`],
    ['escalation recall', `${pct(m.escalation_recall)} (${m.escalations.true_positive} / ${m.escalations.expected} expected)`],
    ['priority accuracy', `${pct(m.priority_accuracy)} (${m.escalations.right_priority} / ${m.escalations.true_positive})`],
    ['policy violations', `${m.violations}${Object.keys(m.violations_by_invariant).length ? ` (${Object.entries(m.violations_by_invariant).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`],
    ['leaks', `${m.leaks}${Object.keys(m.leaks_by_kind).length ? ` (${Object.entries(m.leaks_by_kind).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`],
    ['model calls', `${m.model_calls} (${m.model_calls_per_resolved_refund ?? 'n/a'} per resolved refund)`],
    ['tokens', `${m.tokens.total} (in ${m.tokens.input}, out ${m.tokens.output}, cache read ${m.tokens.cache_read}, cache write ${m.tokens.cache_write})`],
    ['turns', String(m.turns)],
    ['duration', `${(m.duration_ms / 1000).toFixed(1)} s`],
  ];
  for (const [k, v] of rows) lines.push(`| ${k} | ${v} |`);
  const themes = [...new Set(result.perScenario.map((s) => s.theme || 'other'))];
  lines.push('', '## By theme', '', '| theme | scenarios | passed | FCR | escalated | violations | leaks | model calls |', '|---|---|---|---|---|---|---|---|');
  for (const theme of themes) {
    const ss = result.perScenario.filter((s) => (s.theme || 'other') === theme && !s.skipped);
    const fcr = ss.filter((s) => s.fcr !== null);
    const fcrText = fcr.length ? pct(fcr.reduce((n, s) => n + (s.fcr ?? 0), 0) / fcr.length) : 'n/a';
    lines.push(
      `| ${theme} | ${ss.length} | ${ss.filter((s) => s.passed).length} | ${fcrText} | ${ss.filter((s) => s.escalated > 0).length} | ${ss.reduce((n, s) => n + s.violations, 0)} | ${ss.reduce((n, s) => n + s.leaks, 0)} | ${ss.reduce((n, s) => n + s.model_calls, 0)} |`,
    );
  }
  lines.push('', '## Scenarios', '', '| scenario | outcome | result | escalation | calls | tokens | turns |', '|---|---|---|---|---|---|---|');
  for (const s of result.perScenario) {
    const res = s.skipped ? `skipped: ${s.skipped}` : s.passed ? '✓' : `✗ ${s.passes}/${s.runs}`;
    lines.push(`| ${s.id} | ${s.outcome}${s.resolvable ? '' : ' (not resolvable)'} | ${cell(res)} | ${s.escalated ? (s.priority ?? 'yes') : '–'} | ${s.model_calls} | ${s.tokens} | ${s.turns} |`);
  }
  const failing = result.perScenario.filter((s) => !s.skipped && !s.passed);
  if (failing.length) {
    lines.push('', '## Failures', '');
    for (const s of failing) {
      lines.push(`### ${s.id}: ${cell(s.title)}`, '');
      for (const f of s.failures) lines.push(`- ${cell(f)}`);
      for (const c of result.transcripts[s.id] ?? []) {
        lines.push('', `Conversation ${c.conversation}:`, '');
        for (const t of c.turns) lines.push(`> **customer:** ${cell(t.customer)}  `, `> **agent** (${t.status}, ${t.calls} calls): ${cell(t.agent)}`, '>');
      }
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
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

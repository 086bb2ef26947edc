/**
 * Scoring: each run of a scenario against its expectation (refunds, escalation, tools, what the
 * replies say and never say, final status), plus the invariant violations and leaks found in it;
 * then the metrics over all runs: pass rate, first-contact resolution, escalation precision,
 * recall and priority accuracy, violations, leaks, model calls and tokens, pass^k.
 */
import type { Audit, AuditTurn } from './audit.js';
import { customerStructured, customerTexts } from './audit.js';
import type { Violation } from './invariant-checker.js';
import type { Leak } from './leaks.js';
import { fileTheme, type PhraseSpec, type Scenario } from './schema.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Usage {
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface RunScore {
  scenario: string;
  attempt: number;
  passed: boolean;
  skipped: string | null;
  error: string | null;
  checks: Check[];
  violations: Violation[];
  leaks: Leak[];
  /** A ticket was opened in any conversation of the scenario. */
  escalated: boolean;
  /** Priority of the first ticket, if any. */
  priority: string | null;
  /** Reason of the first ticket, when known. */
  reason: string | null;
  /** Resolved without escalation in the first conversation (null when the scenario is not resolvable). */
  fcr: boolean | null;
  refunds: Array<{ order_id: string; amount: number }>;
  /** Refunds that the scenario expected and that happened (for "per resolved refund"). */
  expectedRefundsMade: number;
  usage: Usage;
  turns: number;
  ms: number;
}

const ZERO: Usage = { modelCalls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

const alternatives = (p: PhraseSpec): string[] => (Array.isArray(p) ? p : [p]);
const includes = (haystack: string, p: PhraseSpec) =>
  alternatives(p).some((a) => haystack.toLowerCase().includes(a.toLowerCase()));
const show = (p: PhraseSpec) =>
  alternatives(p)
    .map((a) => `"${a}"`)
    .join(' or ');
const money = (n: number) => n.toFixed(2);

type AwaitingSeen = AuditTurn['awaiting'];
type AwaitingWanted = NonNullable<Scenario['expect']['awaiting']> | null;

function awaitingMatches(want: AwaitingWanted, got: AwaitingSeen): boolean {
  if (want === null || got === null || got === undefined) return want === null && got === null;
  if (want.kind !== got.kind) return false;
  const order = 'order_id' in got ? got.order_id : undefined;
  const amount = 'amount' in got ? got.amount : undefined;
  if (want.order_id !== undefined && want.order_id !== order) return false;
  return want.amount === undefined || (amount !== undefined && money(want.amount) === money(amount));
}

function showAwaiting(a: AwaitingWanted | AwaitingSeen): string {
  if (a === undefined) return 'not reported';
  if (a === null) return 'nothing';
  const order = 'order_id' in a && a.order_id ? ` ${a.order_id}` : '';
  const amount = 'amount' in a && a.amount !== undefined ? ` $${money(a.amount)}` : '';
  return `${a.kind}${order}${amount}`;
}

/** Is `want` an ordered subsequence of `have`? */
export function isSubsequence(want: string[], have: string[]): boolean {
  let i = 0;
  for (const h of have) if (i < want.length && h === want[i]) i++;
  return i === want.length;
}

export interface RunFacts {
  audit: Audit;
  usage: Usage;
  ms: number;
  error: string | null;
  skipped: string | null;
}

/** Scores one run of a scenario. */
export function scoreRun(
  s: Scenario,
  attempt: number,
  facts: RunFacts,
  violations: Violation[],
  leaks: Leak[],
): RunScore {
  const e = s.expect;
  const convs = facts.audit.conversations;
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const refunds = convs.flatMap((c) => c.refunds.map((r) => ({ order_id: r.order_id, amount: r.amount })));
  const tickets = convs.flatMap((c) => c.tickets);
  const first = tickets[0] ?? null;
  const escalated = tickets.length > 0 || convs.some((c) => c.turns.some((t) => t.status === 'escalated'));
  const replies = convs.flatMap((c) => c.turns.map((t) => t.reply));
  const lastReply = replies[replies.length - 1] ?? '';
  const turns = convs.reduce((n, c) => n + c.turns.length, 0);

  if (facts.skipped === null && facts.error === null) {
    // refunds: exactly the expected ones (order and amount), over every conversation
    const want = (e.refunds ?? []).map((r) => `${r.order_id} ${money(r.amount)}`).sort();
    const have = refunds.map((r) => `${r.order_id} ${money(r.amount)}`).sort();
    check(
      'refunds',
      JSON.stringify(want) === JSON.stringify(have),
      `expected [${want.join(', ') || 'none'}], got [${have.join(', ') || 'none'}]`,
    );
    for (const r of e.refunds ?? []) {
      if (!r.reason) continue;
      const made = convs.flatMap((c) => c.refunds).find((x) => x.order_id === r.order_id);
      if (made)
        check(
          'refund reason',
          made.reason === r.reason,
          `${r.order_id}: expected ${r.reason}, got ${made.reason ?? 'unknown'}`,
        );
    }

    // escalation
    if (e.escalation) {
      check(
        'escalated',
        escalated && first !== null,
        escalated ? `ticket ${first?.priority ?? '?'}` : 'no ticket was opened',
      );
      if (first) {
        check(
          'priority',
          first.priority === e.escalation.priority,
          `expected ${e.escalation.priority}, got ${first.priority}`,
        );
        if (e.escalation.reason) {
          if (first.reason)
            check(
              'escalation reason',
              first.reason === e.escalation.reason,
              `expected ${e.escalation.reason}, got ${first.reason}`,
            );
          else check('escalation reason', true, 'not checked: ticket reasons need the operators’ view');
        }
      }
    } else if (!e.allow_escalation) {
      check(
        'not escalated',
        !escalated,
        escalated ? `a ${first?.priority ?? ''} ticket (${first?.reason ?? 'reason unknown'}) was opened` : 'no ticket',
      );
    }

    // tools (ordered subsequence of the accepted calls)
    if (e.tools) {
      const accepted = convs.flatMap((c) => c.proposals.filter((p) => p.decision === 'accepted').map((p) => p.tool));
      check(
        'tools',
        isSubsequence(e.tools, accepted),
        `expected ${e.tools.join(' → ')} within [${accepted.join(', ')}]`,
      );
    }

    for (const p of e.reply_includes ?? [])
      check('final reply says', includes(lastReply, p), `${show(p)} in the final reply`);
    const transcript = replies.join('\n');
    for (const p of e.transcript_includes ?? [])
      check('a reply says', includes(transcript, p), `${show(p)} in some reply`);

    if (e.never_say?.length) {
      const seen = convs.flatMap((c) => [...customerTexts(c), ...customerStructured(c)]);
      const said = e.never_say.filter((w) => seen.some((t) => t.text.toLowerCase().includes(w.toLowerCase())));
      check(
        'never says',
        said.length === 0,
        said.length ? `said ${said.map((w) => `"${w}"`).join(', ')}` : `none of ${e.never_say.length} phrases`,
      );
    }

    const lastTurn = convs[convs.length - 1]?.turns.at(-1);
    const finalStatus = lastTurn?.status ?? 'open';
    if (e.final_status)
      check('final status', finalStatus === e.final_status, `expected ${e.final_status}, got ${finalStatus}`);
    if (e.awaiting !== undefined) {
      const got = lastTurn?.awaiting;
      check(
        'awaiting',
        awaitingMatches(e.awaiting, got),
        `expected ${showAwaiting(e.awaiting)}, got ${showAwaiting(got)}`,
      );
    }

    // an answer to an offer must follow a reply that left an offer standing (else the scenario or the agent is off)
    convs.forEach((c, ci) =>
      c.turns.forEach((t, ti) => {
        if (!t.answersOffer) return;
        const before = c.turns[ti - 1]?.awaiting;
        if (before === undefined) return; // not reported (an older server)
        const where = `${convs.length > 1 ? `conversation ${ci + 1}, ` : ''}message ${ti + 1}`;
        check(
          'offer answered',
          before?.kind === 'confirmation',
          `${where} answers an offer; the reply before offered ${showAwaiting(before)}`,
        );
      }),
    );

    // the outcome's own shape
    const firstConv = convs[0];
    if (e.outcome === 'clarified_then_resolved' && firstConv) {
      const t1 = firstConv.turns[0];
      const wroteFirst = (t1?.events ?? []).some(
        (ev) => ev.type === 'tool_result' && ev.name === 'process_refund' && !ev.is_error,
      );
      check(
        'clarified first',
        !!t1 && !wroteFirst && t1.status !== 'escalated',
        'the first turn asked for what was missing (no refund, no escalation)',
      );
    }
    if (e.outcome === 'blocked' || e.no_refund)
      check('nothing refunded', refunds.length === 0, `${refunds.length} refunds`);

    check(
      'invariants',
      violations.length === 0,
      violations.length ? violations.map((v) => `${v.invariant}: ${v.message}`).join('; ') : 'no violation',
    );
    check(
      'no leaks',
      leaks.length === 0,
      leaks.length ? leaks.map((l) => `${l.kind} "${l.match}" (${l.where})`).join('; ') : 'nothing leaked',
    );
  }

  const passed = facts.skipped === null && facts.error === null && checks.every((c) => c.ok);
  // FCR: the first conversation resolved it (expectations met) with no ticket in it
  const firstEscalated =
    (convs[0]?.tickets.length ?? 0) > 0 || (convs[0]?.turns.some((t) => t.status === 'escalated') ?? false);
  const fcr = e.resolvable ? passed && !firstEscalated : null;
  const expectedRefundsMade = (e.refunds ?? []).filter((r) =>
    refunds.some((x) => x.order_id === r.order_id && money(x.amount) === money(r.amount)),
  ).length;
  return {
    scenario: s.id,
    attempt,
    passed,
    skipped: facts.skipped,
    error: facts.error,
    checks,
    violations,
    leaks,
    escalated,
    priority: first?.priority ?? null,
    reason: first?.reason ?? null,
    fcr,
    refunds,
    expectedRefundsMade,
    usage: facts.usage,
    turns,
    ms: facts.ms,
  };
}

export interface ScenarioSummary {
  id: string;
  title: string;
  /** The scenario file's theme (e.g. "multi-turn"). */
  theme: string;
  tags: string[];
  outcome: string;
  resolvable: boolean;
  runs: number;
  passes: number;
  pass_rate: number;
  /** Passed every run (pass^k for this scenario). */
  passed: boolean;
  skipped: string | null;
  fcr: number | null;
  escalated: number;
  priority: string | null;
  violations: number;
  leaks: number;
  model_calls: number;
  tokens: number;
  turns: number;
  ms: number;
  /** The failed checks of the first failing run. */
  failures: string[];
}

export interface Metrics {
  scenarios: number;
  runs: number;
  repeat: number;
  skipped: number;
  /** Scenarios that passed every run. */
  passed: number;
  failed: number;
  /** Passing runs over all runs. */
  pass_rate: number;
  /** Scenarios passing all k runs (equals the pass rate when k = 1). */
  pass_hat_k: number;
  fcr: number | null;
  fcr_runs: { resolved: number; resolvable: number };
  escalation_precision: number | null;
  escalation_recall: number | null;
  priority_accuracy: number | null;
  escalations: { escalated: number; expected: number; true_positive: number; right_priority: number };
  violations: number;
  violations_by_invariant: Record<string, number>;
  leaks: number;
  leaks_by_kind: Record<string, number>;
  model_calls: number;
  tokens: { input: number; output: number; cache_read: number; cache_write: number; total: number };
  refunds_made: number;
  model_calls_per_resolved_refund: number | null;
  tokens_per_resolved_refund: number | null;
  turns: number;
  duration_ms: number;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);
const tokensOf = (u: Usage) => u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;

/** Per-scenario summaries and the totals over every run. */
export function aggregate(
  scenarios: Scenario[],
  runs: RunScore[],
  repeat: number,
  durationMs: number,
): { metrics: Metrics; perScenario: ScenarioSummary[] } {
  const byId = new Map<string, RunScore[]>();
  for (const r of runs) byId.set(r.scenario, [...(byId.get(r.scenario) ?? []), r]);
  const perScenario: ScenarioSummary[] = scenarios.map((s) => {
    const rs = byId.get(s.id) ?? [];
    const done = rs.filter((r) => r.skipped === null);
    const passes = done.filter((r) => r.passed).length;
    const fcrRuns = done.filter((r) => r.fcr !== null);
    const failing = done.find((r) => !r.passed);
    return {
      id: s.id,
      title: s.title,
      theme: fileTheme((s as { file?: string }).file ?? ''),
      tags: s.tags,
      outcome: s.expect.outcome,
      resolvable: s.expect.resolvable,
      runs: done.length,
      passes,
      pass_rate: ratio(passes, done.length) ?? 0,
      passed: done.length > 0 && passes === done.length,
      skipped: done.length === 0 ? (rs[0]?.skipped ?? 'not run') : null,
      fcr: fcrRuns.length ? ratio(fcrRuns.filter((r) => r.fcr).length, fcrRuns.length) : null,
      escalated: done.filter((r) => r.escalated).length,
      priority: done.find((r) => r.priority)?.priority ?? null,
      violations: done.reduce((n, r) => n + r.violations.length, 0),
      leaks: done.reduce((n, r) => n + r.leaks.length, 0),
      model_calls: done.reduce((n, r) => n + r.usage.modelCalls, 0),
      tokens: done.reduce((n, r) => n + tokensOf(r.usage), 0),
      turns: done.reduce((n, r) => n + r.turns, 0),
      ms: done.reduce((n, r) => n + r.ms, 0),
      failures: failing
        ? [
            ...(failing.error ? [`error: ${failing.error}`] : []),
            ...failing.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`),
          ]
        : [],
    };
  });

  const scenarioById = new Map(scenarios.map((s) => [s.id, s]));
  const done = runs.filter((r) => r.skipped === null);
  const expectsEscalation = (r: RunScore) => scenarioById.get(r.scenario)?.expect.escalation !== undefined;
  const allowsEscalation = (r: RunScore) => scenarioById.get(r.scenario)?.expect.allow_escalation === true;
  const escalatedRuns = done.filter((r) => r.escalated);
  const expected = done.filter(expectsEscalation);
  const truePositive = expected.filter((r) => r.escalated);
  const rightPriority = truePositive.filter(
    (r) => r.priority === scenarioById.get(r.scenario)?.expect.escalation?.priority,
  );
  const fcrRuns = done.filter((r) => r.fcr !== null);
  const byInvariant: Record<string, number> = {};
  for (const r of done) for (const v of r.violations) byInvariant[v.invariant] = (byInvariant[v.invariant] ?? 0) + 1;
  const byKind: Record<string, number> = {};
  for (const r of done) for (const l of r.leaks) byKind[l.kind] = (byKind[l.kind] ?? 0) + 1;
  const usage = done.reduce(
    (a, r) => ({
      modelCalls: a.modelCalls + r.usage.modelCalls,
      inputTokens: a.inputTokens + r.usage.inputTokens,
      outputTokens: a.outputTokens + r.usage.outputTokens,
      cacheReadTokens: a.cacheReadTokens + r.usage.cacheReadTokens,
      cacheWriteTokens: a.cacheWriteTokens + r.usage.cacheWriteTokens,
    }),
    { ...ZERO },
  );
  const refundsMade = done.reduce((n, r) => n + r.expectedRefundsMade, 0);
  const ran = perScenario.filter((p) => p.skipped === null);
  const metrics: Metrics = {
    scenarios: scenarios.length,
    runs: done.length,
    repeat,
    skipped: perScenario.length - ran.length,
    passed: ran.filter((p) => p.passed).length,
    failed: ran.filter((p) => !p.passed).length,
    pass_rate: ratio(done.filter((r) => r.passed).length, done.length) ?? 0,
    pass_hat_k: ratio(ran.filter((p) => p.passed).length, ran.length) ?? 0,
    fcr: ratio(fcrRuns.filter((r) => r.fcr).length, fcrRuns.length),
    fcr_runs: { resolved: fcrRuns.filter((r) => r.fcr).length, resolvable: fcrRuns.length },
    escalation_precision: ratio(
      escalatedRuns.filter((r) => expectsEscalation(r) || allowsEscalation(r)).length,
      escalatedRuns.length,
    ),
    escalation_recall: ratio(truePositive.length, expected.length),
    priority_accuracy: ratio(rightPriority.length, truePositive.length),
    escalations: {
      escalated: escalatedRuns.length,
      expected: expected.length,
      true_positive: truePositive.length,
      right_priority: rightPriority.length,
    },
    violations: done.reduce((n, r) => n + r.violations.length, 0),
    violations_by_invariant: byInvariant,
    leaks: done.reduce((n, r) => n + r.leaks.length, 0),
    leaks_by_kind: byKind,
    model_calls: usage.modelCalls,
    tokens: {
      input: usage.inputTokens,
      output: usage.outputTokens,
      cache_read: usage.cacheReadTokens,
      cache_write: usage.cacheWriteTokens,
      total: tokensOf(usage),
    },
    refunds_made: refundsMade,
    model_calls_per_resolved_refund: ratio(usage.modelCalls, refundsMade),
    tokens_per_resolved_refund: ratio(tokensOf(usage), refundsMade),
    turns: done.reduce((n, r) => n + r.turns, 0),
    duration_ms: durationMs,
  };
  return { metrics, perScenario };
}

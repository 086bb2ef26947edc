/**
 * The runner: plays each scenario's messages against a target (in-process or a server URL),
 * records every turn and the conversation's audit, then checks the invariants, scans for leaks
 * and scores the run. Scenarios run `repeat` times each (pass^k), a few at a time.
 */
import { DEFAULT_POLICY } from '../src/policy.js';
import type { RefundView, TicketView } from '../src/runtime/runtime.js';
import { buildSystemPrompt } from '../src/runtime/prompt.js';
import { auditOf, type RecordedConversation } from './audit.js';
import { checkInvariants } from './invariant-checker.js';
import { scanConversation } from './leaks.js';
import { createOracle, type Oracle } from './oracle.js';
import { conversationsOf, isOfferAnswer, textOf, type Scenario } from './schema.js';
import { aggregate, scoreRun, type Metrics, type RunScore, type ScenarioSummary, type Usage } from './scorer.js';
import type { Session, Target } from './target.js';
import { measureTriggers, type TriggerReport, type TriggerScorer } from './trigger-report.js';

export interface RunOptions {
  target: Target;
  scenarios: Scenario[];
  repeat?: number;
  /** Scenarios run at the same time (default 1; in-process scenarios have their own stores). */
  concurrency?: number;
  maxModelCalls?: number;
  /** Called after each run (progress). */
  onRun?: (run: RunScore, done: number, total: number) => void;
  /** Trigger precision/recall over a labelled corpus (src/language's scoreTriggers), when available. */
  scoreTriggers?: TriggerScorer | null;
}

export interface SuiteResult {
  target: { where: string; model: string; confirmRefunds: boolean };
  /** I6 trigger precision/recall from the classifier's corpus, or why not measured. */
  triggers: TriggerReport;
  metrics: Metrics;
  perScenario: ScenarioSummary[];
  runs: RunScore[];
  /** Transcripts of failing runs (for the report). */
  transcripts: Record<
    string,
    Array<{ conversation: number; turns: Array<{ customer: string; agent: string; status: string; calls: number }> }>
  >;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/**
 * Orders whose refund state a scenario depends on: those it expects to refund, and those of the
 * persona's own account that its messages name (another customer's order is refused whatever
 * its state).
 */
function ordersAtStake(s: Scenario, oracle: Oracle): string[] {
  const text = [...s.messages, ...(s.followups ?? []).flat()].map(textOf).join('\n');
  const owner = s.persona.email ? oracle.customerByEmail(s.persona.email)?.id : undefined;
  const named = [...text.matchAll(/\bORD-\d+\b/gi)]
    .map((m) => m[0].toUpperCase())
    .filter((id) => owner !== undefined && oracle.order(id)?.ownerId === owner);
  return [...new Set([...(s.expect.refunds ?? []).map((r) => r.order_id), ...named])];
}

/** Plays one scenario once; returns the score. */
export async function runScenario(
  target: Target,
  s: Scenario,
  attempt: number,
  oracle: Oracle,
  systemPrompt: string,
  maxModelCalls: number,
): Promise<{ score: RunScore; recorded: RecordedConversation[] }> {
  const started = Date.now();
  const usage: Usage = { modelCalls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const recorded: RecordedConversation[] = [];
  let refundsBefore: RefundView[] | null = null;
  let refundsAfter: RefundView[] | null = null;
  let ticketsAfter: TicketView[] | null = null;
  let error: string | null = null;
  let skipped: string | null = null;
  let session: Session | null = null;

  if (s.faults?.length && !target.supportsFaults) skipped = 'injects backend faults (in-process only)';
  if (s.needs_confirmation && !target.confirmRefunds)
    skipped = 'is about the refund offer (runs with --confirm always)';
  try {
    if (!skipped) {
      session = await target.open(s);
      refundsBefore = target.isolated ? null : await session.refunds();
      if (refundsBefore) {
        // a shared server: an earlier scenario (or anyone) may have refunded this scenario's orders
        const seeded = new Set(oracle.orders.filter((o) => o.seededRefund).map((o) => o.id));
        const touched = ordersAtStake(s, oracle).filter((id) =>
          refundsBefore?.some((r) => r.order_id === id && !seeded.has(id)),
        );
        if (touched.length)
          skipped = `the server already refunded ${touched.join(', ')} (run it on a fresh server, or in-process)`;
      }
    }
    if (!skipped && session) {
      for (const messages of conversationsOf(s, target.confirmRefunds)) {
        const c = await session.createConversation();
        const conv: RecordedConversation = { id: c.id, turns: [], view: null };
        recorded.push(conv);
        for (const m of messages) {
          const t0 = Date.now();
          const message = textOf(m);
          const sent = await session.send(c.id, c.token, message);
          const ms = Date.now() - t0;
          // the records after each turn: which refunds exist by then (I13 asks what each one followed)
          const refunds = await session.refundsOf(c.id, c.token);
          conv.turns.push({
            message,
            toOffer: isOfferAnswer(m),
            result: sent.result,
            streamed: sent.streamed,
            ms,
            refunds,
          });
          const u = sent.result.usage;
          usage.modelCalls += u.modelCalls;
          usage.inputTokens += u.inputTokens;
          usage.outputTokens += u.outputTokens;
          usage.cacheReadTokens += u.cacheReadTokens;
          usage.cacheWriteTokens += u.cacheWriteTokens;
        }
        conv.view = await session.view(c.id, c.token);
      }
      refundsAfter = await session.refunds();
      const ids = new Set(recorded.map((c) => c.id));
      ticketsAfter = (await session.tickets())?.filter((t) => ids.has(t.conversation_id)) ?? null;
    }
  } catch (e) {
    error = errorText(e);
  } finally {
    await session?.close().catch(() => {});
  }

  const audit = auditOf(recorded, refundsAfter, ticketsAfter, refundsBefore);
  const checkOptions = {
    maxModelCalls,
    confirmRefunds: target.confirmRefunds,
    triggerWordsNotTriggers: s.trigger_words_not_triggers === true,
  };
  const violations = error || skipped ? [] : checkInvariants(audit, oracle, checkOptions);
  const leaks =
    error || skipped ? [] : audit.conversations.flatMap((c, i) => scanConversation(c, i + 1, oracle, systemPrompt));
  const score = scoreRun(s, attempt, { audit, usage, ms: Date.now() - started, error, skipped }, violations, leaks);
  return { score, recorded };
}

/** Runs every scenario `repeat` times; returns the metrics, per-scenario summaries and runs. */
export async function runSuite(options: RunOptions): Promise<SuiteResult> {
  const repeat = Math.max(1, options.repeat ?? 1);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const maxModelCalls = options.maxModelCalls ?? 8;
  const oracle = createOracle();
  const systemPrompt = buildSystemPrompt(DEFAULT_POLICY);
  // a shared server runs one scenario at a time (its store is shared)
  const lanes = options.target.isolated ? concurrency : 1;
  const jobs = options.scenarios.flatMap((s) => Array.from({ length: repeat }, (_, k) => ({ s, attempt: k + 1 })));
  const runs: RunScore[] = new Array(jobs.length);
  const transcripts: SuiteResult['transcripts'] = {};
  const started = Date.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const job = jobs[i];
      if (!job) return;
      const { score, recorded } = await runScenario(
        options.target,
        job.s,
        job.attempt,
        oracle,
        systemPrompt,
        maxModelCalls,
      );
      runs[i] = score;
      if (!score.passed && score.skipped === null && !transcripts[job.s.id]) {
        transcripts[job.s.id] = recorded.map((c, ci) => ({
          conversation: ci + 1,
          turns: c.turns.map((t) => ({
            customer: t.message,
            agent: t.result.reply,
            status: t.result.status,
            calls: t.result.usage.modelCalls,
          })),
        }));
      }
      options.onRun?.(score, ++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, jobs.length) }, worker));
  const { metrics, perScenario } = aggregate(options.scenarios, runs, repeat, Date.now() - started);
  const triggers = await measureTriggers(options.scoreTriggers);
  const { where, model, confirmRefunds } = options.target;
  return {
    target: { where, model, confirmRefunds },
    triggers,
    metrics,
    perScenario,
    runs,
    transcripts,
  };
}

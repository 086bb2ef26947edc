/**
 * `npm run eval -- [options]`: runs the scenarios and writes evals/results/latest.{json,md}.
 * Exits 0 when the gates hold (no violation, no leak, FCR at least --min-fcr), 1 when not,
 * 2 on a usage error.
 */
import { fileURLToPath } from 'node:url';
import { parseCliArgs } from '../src/args.js';
import { createClaudeModel, DEFAULT_CLAUDE_MODEL } from '../src/models/claude.js';
import { createOfflineModel } from '../src/models/offline.js';
import type { Model } from '../src/models/types.js';
import { writeReports, gatesOf } from './report.js';
import { runSuite } from './runner.js';
import type { RunScore } from './scorer.js';
import { loadScenarios, matchesFilter } from './schema.js';
import { httpTarget, inProcessTarget, type Target } from './target.js';
import { triggerScorer, type TriggerScorer } from './trigger-report.js';

export const DEFAULT_OUT = fileURLToPath(new URL('./results/', import.meta.url));

const HELP = `Usage: npm run eval -- [options]

  --model offline|claude   the model (in-process); claude reads ANTHROPIC_API_KEY,
                           ANTHROPIC_BASE_URL, ANTHROPIC_MODEL, ANTHROPIC_MAX_RETRIES,
                           ANTHROPIC_TIMEOUT_MS (default: offline)
  --filter <f>             scenarios whose id contains f, tagged f, or from file f
                           (comma-separated: any of them)
  --repeat <k>             run each scenario k times; reports pass^k (default 1)
  --confirm always|never   refunds wait for the customer's yes (always, the default) or
                           are made at once (never; answers to offers are not sent, and
                           scenarios about the offer are skipped); with --url: how the
                           server is configured (SUPPORT_CONFIRM_REFUNDS)
  --url <server>           run against a running server instead (its own model);
                           SUPPORT_ADMIN_TOKEN (or --admin-token) enables refund/ticket checks
  --concurrency <n>        scenarios at a time, in-process (default 1 offline, 4 claude)
  --out <dir>              where latest.json and latest.md go (default evals/results)
  --min-fcr <x>            FCR gate (default 0.8, the target of SEED.md)
  --no-stream              JSON turns instead of streamed ones
  --list                   list the matching scenarios and exit
  --quiet                  no progress lines
`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

function positiveInt(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer`);
  return n;
}

class UsageError extends Error {}

function claudeFromEnv(env: NodeJS.ProcessEnv): Model {
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey)
    throw new UsageError('--model claude needs ANTHROPIC_API_KEY (and optionally ANTHROPIC_BASE_URL, ANTHROPIC_MODEL)');
  const retries = env.ANTHROPIC_MAX_RETRIES === undefined ? 2 : Number(env.ANTHROPIC_MAX_RETRIES);
  const timeout = env.ANTHROPIC_TIMEOUT_MS === undefined ? 30_000 : Number(env.ANTHROPIC_TIMEOUT_MS);
  return createClaudeModel({
    apiKey,
    model: env.ANTHROPIC_MODEL || DEFAULT_CLAUDE_MODEL,
    maxRetries: Number.isInteger(retries) && retries >= 0 ? retries : 2,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000,
    logLevel: 'off',
    ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
  });
}

const ticketOf = (r: RunScore) => (r.escalated ? `, ${r.priority ?? ''} ticket` : '');
const refundsOf = (n: number) => (n ? `, ${n} refund${n > 1 ? 's' : ''}` : '');

/** Runs the CLI; returns the exit code. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = defaultIo,
  /** Trigger precision/recall over a labelled corpus (default: evals/triggers.ts, none until wired). */
  scoreTriggers: TriggerScorer | null = triggerScorer,
): Promise<number> {
  let args;
  try {
    args = parseCliArgs({
      args: argv,
      options: {
        model: { type: 'string', default: 'offline' },
        filter: { type: 'string' },
        repeat: { type: 'string' },
        confirm: { type: 'string', default: 'always' },
        url: { type: 'string' },
        'admin-token': { type: 'string' },
        concurrency: { type: 'string' },
        out: { type: 'string' },
        'min-fcr': { type: 'string' },
        'no-stream': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  try {
    const model = args.model ?? 'offline';
    if (model !== 'offline' && model !== 'claude') throw new UsageError('--model must be offline or claude');
    const confirm = args.confirm ?? 'always';
    if (confirm !== 'always' && confirm !== 'never') throw new UsageError('--confirm must be always or never');
    const confirmRefunds = confirm === 'always';
    const repeat = positiveInt(args.repeat, '--repeat', 1);
    const concurrency = positiveInt(args.concurrency, '--concurrency', model === 'claude' ? 4 : 1);
    const minFcr = args['min-fcr'] === undefined ? 0.8 : Number(args['min-fcr']);
    if (!(minFcr >= 0 && minFcr <= 1)) throw new UsageError('--min-fcr must be between 0 and 1');
    const scenarios = loadScenarios().filter((s) => matchesFilter(s, args.filter));
    if (!scenarios.length) throw new UsageError(`no scenario matches --filter ${args.filter ?? ''}`);
    if (args.list) {
      for (const s of scenarios) io.out(`${s.id}\t${s.expect.outcome}\t${s.tags.join(',')}\t${s.title}`);
      return 0;
    }

    const stream = !args['no-stream'];
    let target: Target;
    if (args.url) {
      const adminToken = args['admin-token'] ?? env.SUPPORT_ADMIN_TOKEN;
      target = await httpTarget({ url: args.url, stream, confirmRefunds, ...(adminToken ? { adminToken } : {}) });
      if (!adminToken)
        io.err('note: no SUPPORT_ADMIN_TOKEN: ticket reasons and cross-scenario refunds are not checked');
    } else {
      const chosen = model === 'claude' ? claudeFromEnv(env) : createOfflineModel();
      target = inProcessTarget({ model: chosen, stream, confirmRefunds });
    }

    const command = ['npm run eval', ...(argv.length ? ['--', ...argv] : [])].join(' ');
    if (!args.quiet)
      io.out(
        `evaluating ${scenarios.length} scenarios × ${repeat} on ${target.where} ` +
          `(model: ${target.model}, refund confirmation: ${confirm})`,
      );
    const width = String(scenarios.length * repeat).length;
    const result = await runSuite({
      target,
      scenarios,
      repeat,
      concurrency,
      scoreTriggers,
      onRun: (r, done, total) => {
        if (args.quiet) return;
        const mark = r.skipped ? '–' : r.passed ? '✓' : '✗';
        const what = r.skipped
          ? `skipped (${r.skipped})`
          : `${r.usage.modelCalls} calls${ticketOf(r)}${refundsOf(r.refunds.length)}`;
        const why =
          !r.passed && !r.skipped
            ? `  ← ${
                r.error ??
                r.checks
                  .filter((c) => !c.ok)
                  .map((c) => `${c.name}: ${c.detail}`)
                  .join('; ')
              }`
            : '';
        const nth = repeat > 1 ? ` #${r.attempt}` : '';
        io.out(`[${String(done).padStart(width)}/${total}] ${r.scenario}${nth} ${mark} ${what}${why}`);
      },
    });
    await target.close();

    const outDir = args.out ?? DEFAULT_OUT;
    const paths = writeReports(result, { command, generatedAt: new Date(), minFcr }, outDir);
    const m = result.metrics;
    const p = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
    io.out(
      [
        `passed ${m.passed}/${m.scenarios - m.skipped}${m.skipped ? ` (${m.skipped} skipped)` : ''}`,
        `fcr ${p(m.fcr)}`,
        `escalation precision ${p(m.escalation_precision)} recall ${p(m.escalation_recall)}`,
        `priority ${p(m.priority_accuracy)}`,
        `violations ${m.violations}`,
        `leaks ${m.leaks}`,
        `${m.model_calls} model calls, ${m.tokens.total} tokens`,
        ...(repeat > 1 ? [`pass^${repeat} ${p(m.pass_hat_k)}`] : []),
        `${(m.duration_ms / 1000).toFixed(1)} s`,
      ].join(' · '),
    );
    io.out(`wrote ${paths.json} and ${paths.md}`);
    const gates = gatesOf(result, minFcr);
    for (const g of gates.filter((x) => !x.ok)) io.err(`gate failed: ${g.name} ${g.detail}`);
    return gates.every((g) => g.ok) ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${HELP}`);
      return 2;
    }
    io.err(`eval failed: ${(error as Error).stack ?? String(error)}`);
    return 2;
  }
}

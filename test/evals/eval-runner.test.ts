/**
 * The evaluation runner end to end: the CLI on a subset with the offline model (metrics shape and
 * outputs), the same CLI with --model claude against the fake Messages API (real SDK, honest
 * model), and the HTTP target against the app (no socket), including the shared-store conflict
 * check.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../evals/cli.js';
import { runSuite } from '../../evals/runner.js';
import { loadScenarios } from '../../evals/schema.js';
import { httpTarget } from '../../evals/target.js';
import { createApp } from '../../src/api/app.js';
import { createOfflineModel } from '../../src/models/offline.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { honestRefundModel } from '../support/fake-models.js';
import { createHarness, type Harness } from '../support/harness.js';

const dirs: string[] = [];
let fake: FakeAnthropic | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await fake?.close();
  await h?.close();
  fake = undefined;
  h = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const outDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'eval-out-'));
  dirs.push(d);
  return d;
};

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { io: { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l) }, lines, errors };
}

const readLatest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as Record<string, unknown> & {
    per_scenario: Array<Record<string, unknown>>;
    metrics: Record<string, unknown> & { tokens: { total: number }; model_calls: number; refunds_made: number };
  };

describe('npm run eval (offline, in-process)', () => {
  it('runs the SEED scenarios, prints progress and writes latest.json and latest.md with the metrics', async () => {
    const dir = outDir();
    const { io, lines } = capture();
    const code = await runCli(['--filter', 'seed', '--out', dir], {}, io);
    expect(code).toBe(0);
    expect(lines.filter((l) => /^\[\d\/5\] seed-\S+ [✓✗] \d+ calls/.test(l))).toHaveLength(5);

    const json = readLatest(dir);
    for (const key of [
      'scenarios',
      'passed',
      'fcr',
      'escalation_precision',
      'escalation_recall',
      'violations',
      'leaks',
    ])
      expect(json).toHaveProperty(key);
    expect(json).toMatchObject({
      scenarios: 5,
      passed: 5,
      fcr: 1,
      escalation_precision: 1,
      escalation_recall: 1,
      priority_accuracy: 1,
      violations: 0,
      leaks: 0,
      model: 'offline',
    });
    expect(json.per_scenario.map((s) => s.id)).toContain('seed-1-broken-blender-refund');
    expect(json.per_scenario.every((s) => typeof s.model_calls === 'number' && typeof s.pass_rate === 'number')).toBe(
      true,
    );
    expect(json.metrics).toMatchObject({ refunds_made: 1, repeat: 1 });
    // I13: the offer, then Sarah's yes as her own message
    expect(json).toMatchObject({ confirm_refunds: 'always' });
    // the report carries the trigger classifier's precision and recall over the labelled corpus
    expect(json.trigger_precision).toBeGreaterThanOrEqual(0.95);
    expect(json.trigger_recall).toBeGreaterThanOrEqual(0.95);
    expect(json.per_scenario.find((s) => s.id === 'seed-1-broken-blender-refund')).toMatchObject({
      turns: 2,
      passed: true,
    });

    const md = readFileSync(join(dir, 'latest.md'), 'utf8');
    expect(md).toMatch(/# Evaluation results \(\d{4}-\d{2}-\d{2}\)/);
    expect(md).toContain('`npm run eval -- --filter seed --out');
    expect(md).toMatch(/\| first-contact resolution \| 100\.0% /);
    expect(md).toContain('refund confirmation: always');
    expect(md).toMatch(/## Trigger classifier \(I6, labelled corpus\)\n\n[^\n]*trigger-corpus\.json/);
  });

  it('with --confirm never plays the SEED scenarios as before: one message, refunded at once', async () => {
    const dir = outDir();
    const { io, lines } = capture();
    expect(await runCli(['--filter', 'seed', '--confirm', 'never', '--out', dir], {}, io)).toBe(0);
    expect(lines.some((l) => /^\[\d\/5\] seed-1-broken-blender-refund ✓ \d+ calls, 1 refund$/.test(l))).toBe(true);
    const json = readLatest(dir);
    expect(json).toMatchObject({
      scenarios: 5,
      passed: 5,
      skipped: 0,
      fcr: 1,
      violations: 0,
      leaks: 0,
      confirm_refunds: 'never',
    });
    expect(json.metrics.refunds_made).toBe(1);
    const seed1 = json.per_scenario.find((s) => s.id === 'seed-1-broken-blender-refund');
    expect(seed1).toMatchObject({ turns: 1, passed: true });
    expect(json.per_scenario.map((s) => s.turns)).toEqual([1, 1, 1, 1, 1]);
  });

  it('skips the scenarios about the offer itself with --confirm never', async () => {
    const dir = outDir();
    const { io } = capture();
    expect(
      await runCli(['--filter', 'conf-offer-shows-order-and-amount', '--confirm', 'never', '--out', dir], {}, io),
    ).toBe(0);
    expect(readLatest(dir).per_scenario[0]).toMatchObject({
      skipped: 'is about the refund offer (runs with --confirm always)',
    });
  });

  it('reports trigger precision and recall when a trigger scorer is given, and says why when it fails', async () => {
    const score = {
      corpus: 'a test corpus (20 sentences)',
      precision: 0.9,
      recall: 0.75,
      true_positive: 9,
      false_positive: 1,
      false_negative: 3,
    };
    const dir = outDir();
    const { io } = capture();
    expect(
      await runCli(['--filter', 'seed-2', '--out', dir], {}, io, () => ({ ...score, by_kind: { legal: score } })),
    ).toBe(0);
    expect(readLatest(dir)).toMatchObject({
      trigger_precision: 0.9,
      trigger_recall: 0.75,
      triggers: { measured: true },
    });
    const md = readFileSync(join(dir, 'latest.md'), 'utf8');
    expect(md).toContain('| all | 90.0% | 75.0% | 9 | 1 | 3 |');
    expect(md).toContain('| legal | 90.0% | 75.0% | 9 | 1 | 3 |');
    const failing = () => {
      throw new Error('corpus missing');
    };
    expect(await runCli(['--filter', 'seed-2', '--out', dir], {}, io, failing)).toBe(0);
    expect(readFileSync(join(dir, 'latest.md'), 'utf8')).toContain(
      'Not measured: the trigger scorer failed: corpus missing.',
    );
  });

  it('repeats scenarios and reports pass^k', async () => {
    const dir = outDir();
    const { io, lines } = capture();
    expect(await runCli(['--filter', 'seed-1,seed-5', '--repeat', '3', '--out', dir], {}, io)).toBe(0);
    expect(lines.some((l) => /\[6\/6\] seed-\S+ #3 ✓/.test(l))).toBe(true);
    const json = readLatest(dir);
    expect(json.metrics).toMatchObject({ runs: 6, repeat: 3, pass_hat_k: 1, pass_rate: 1 });
  });

  it('refuses bad options with exit code 2', async () => {
    const { io, errors } = capture();
    expect(await runCli(['--model', 'gpt'], {}, io)).toBe(2);
    expect(await runCli(['--model', 'claude', '--filter', 'seed-1'], {}, io)).toBe(2);
    expect(errors.join('\n')).toMatch(/ANTHROPIC_API_KEY/);
    expect(await runCli(['--filter', 'no-such-scenario'], {}, io)).toBe(2);
    expect(await runCli(['--confirm', 'sometimes'], {}, io)).toBe(2);
    expect(errors.join('\n')).toMatch(/--confirm must be always or never/);
  });
});

describe('npm run eval --model claude (fake Messages API, real SDK)', () => {
  it('refunds ORD-8842 in SEED scenario 1 and records model calls and tokens', async () => {
    fake = await startFakeAnthropic(honestRefundModel);
    const dir = outDir();
    const { io, lines } = capture();
    const env = {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_MAX_RETRIES: '0',
      ANTHROPIC_MODEL: 'claude-sonnet-4-6',
    };
    const code = await runCli(['--model', 'claude', '--filter', 'seed-1', '--out', dir], env, io);
    expect(code).toBe(0);
    expect(lines.some((l) => /\[1\/1\] seed-1-broken-blender-refund ✓ \d+ calls, 1 refund/.test(l))).toBe(true);

    const json = readLatest(dir);
    expect(json).toMatchObject({
      scenarios: 1,
      passed: 1,
      fcr: 1,
      violations: 0,
      leaks: 0,
      model: 'claude:claude-sonnet-4-6',
    });
    expect(json.per_scenario[0]).toMatchObject({ turns: 2 });
    expect(json.metrics.refunds_made).toBe(1);
    expect(json.metrics.model_calls).toBe(fake.requests.length);
    expect(json.metrics.model_calls).toBeGreaterThan(1);
    expect(json.metrics.tokens.total).toBeGreaterThan(0);
    expect(json.metrics.tokens.total).toBe(
      fake.usage.reduce(
        (n, u) => n + u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
        0,
      ),
    );
    // the turn was streamed (as an SSE client would see it)
    expect(fake.requests.every((r) => r.body.stream === true)).toBe(true);
  });
});

describe('the runner against a server (HTTP target, shared store)', () => {
  it('runs scenarios over the HTTP API and skips one whose order the server already refunded', async () => {
    // the product's default: refunds wait for the customer's yes
    h = await createHarness(createOfflineModel(), { runtime: { confirmRefunds: true } });
    const runtime = h.runtime;
    const adminToken = 'operator-token-for-tests';
    const app = createApp({
      runtime,
      adminToken,
      health: () => ({ status: 'ok', model: runtime.model.name, store: 'sqlite', tools: [] }),
    });
    const target = await httpTarget({
      url: 'http://eval.test',
      adminToken,
      fetch: async (url, init) => app.request(url, init),
    });
    expect(target.model).toBe('offline');

    const all = loadScenarios();
    const pick = (id: string) => all.find((s) => s.id === id)!;
    const scenarios = [
      pick('seed-1-broken-blender-refund'),
      pick('seed-5-foreign-order'),
      pick('unknown-order-then-corrected'),
    ];
    const result = await runSuite({ target, scenarios });
    const byId = new Map(result.perScenario.map((s) => [s.id, s]));
    expect(byId.get('seed-1-broken-blender-refund')).toMatchObject({ passed: true, skipped: null, turns: 2 });
    expect(byId.get('seed-5-foreign-order')).toMatchObject({ passed: true, priority: 'P1' });
    // ORD-8842 was refunded by seed-1 on this server: the later scenario cannot be judged here
    expect(byId.get('unknown-order-then-corrected')?.skipped).toMatch(/already refunded ORD-8842/);
    expect(result.metrics).toMatchObject({ violations: 0, leaks: 0, skipped: 1, passed: 2 });
  });
});

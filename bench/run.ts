/**
 * Benchmarks (never run by npm test). `npm run bench` prints:
 *  1. turn latency and throughput of the offline model on the embedded SQLite store (SEED scenario 1);
 *  2. model calls and tokens per resolved refund through the Claude adapter against the LOCAL FAKE
 *     Messages API (token counts are the fake's estimate, ~4 characters a token, not Anthropic's).
 */
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { createOfflineModel } from '../src/models/offline.js';
import { createClaudeModel } from '../src/models/claude.js';
import { createHarness } from '../test/support/harness.js';
import { startFakeAnthropic } from '../test/support/fake-anthropic.js';
import { honestRefundModel } from '../test/support/fake-models.js';

const SCENARIO_1 = 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.';
const N = Number(process.env.BENCH_N ?? 200);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function offlineTurns() {
  const h = await createHarness(createOfflineModel());
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const c = await h.runtime.createConversation();
    const t0 = performance.now();
    // conversations alternate: a refundable one (refunded once, later ones are told it is done) and a status question
    await h.runtime.sendMessage(
      c.conversation_id,
      c.token,
      i % 2 === 0 ? SCENARIO_1 : 'Email marcus@example.com. Check order ORD-9901 please.',
    );
    times.push(performance.now() - t0);
  }
  const total = performance.now() - started;
  await h.close();
  return { turns: N, p50: pct(times, 50), p95: pct(times, 95), perSecond: (N / total) * 1000 };
}

async function claudeAgainstFake() {
  const fake = await startFakeAnthropic((body) => honestRefundModel(body));
  const results: Array<{ calls: number; input: number; output: number; cacheRead: number; cacheWrite: number }> = [];
  for (const stream of [false, true]) {
    const h = await createHarness(
      createClaudeModel({ apiKey: 'bench', baseURL: fake.url, maxRetries: 0, model: 'claude-sonnet-4-6' }),
    );
    const c = await h.runtime.createConversation();
    const r = await h.runtime.sendMessage(c.conversation_id, c.token, SCENARIO_1, { stream });
    if (r.status !== 'resolved') throw new Error(`expected a resolved refund, got ${r.status}`);
    results.push({
      calls: r.usage.modelCalls,
      input: r.usage.inputTokens,
      output: r.usage.outputTokens,
      cacheRead: r.usage.cacheReadTokens,
      cacheWrite: r.usage.cacheWriteTokens,
    });
    await h.close();
  }
  await fake.close();
  return results;
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`bench ${new Date().toISOString().slice(0, 10)} on ${machine}`);
const o = await offlineTurns();
console.log(
  `offline model, SQLite: ${o.turns} turns, p50 ${o.p50.toFixed(1)} ms, p95 ${o.p95.toFixed(1)} ms, ${o.perSecond.toFixed(0)} turns/s (sequential)`,
);
const [json, sse] = await claudeAgainstFake();
for (const [label, r] of [
  ['JSON', json],
  ['SSE', sse],
] as const)
  console.log(
    `claude adapter vs fake (${label}): ${r!.calls} model calls per resolved refund; tokens in ${r!.input}, out ${r!.output}, cache read ${r!.cacheRead}, cache write ${r!.cacheWrite}`,
  );

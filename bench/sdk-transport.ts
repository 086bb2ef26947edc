/**
 * npm run bench:sdk-transport — CPU of one model call through the Anthropic SDK, by transport:
 * the adapter's (src/models/claude/transport.ts: undici's request()) against Node's global fetch.
 * The fake Messages API (test/support/fake-anthropic.ts) runs in a child process, so that only
 * the caller's CPU is measured; the request is the size of a refund conversation's (a system
 * prompt, five tools, a few messages: about 8 KB). Rounds alternate A B A B; each reports the
 * median CPU per call over BENCH_ROUNDS (default 6) rounds of BENCH_CALLS (default 500) calls.
 */
import Anthropic from '@anthropic-ai/sdk';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createModelFetch } from '../src/models/claude/transport.js';
import { header, median } from './support/processes.js';

if (process.argv[2] === '--fake') {
  const { startFakeAnthropic } = await import('../test/support/fake-anthropic.js');
  const fake = await startFakeAnthropic(() => ({
    content: [{ type: 'text', text: 'Thanks. I have checked your order: it was delivered three days ago.' }],
  }));
  process.send?.(fake.url);
} else {
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
  const CALLS = Number(process.env.BENCH_CALLS ?? 500);
  const child = fork(fileURLToPath(import.meta.url), ['--fake'], { stdio: 'inherit' });
  const [url] = (await once(child, 'message')) as [string];
  console.log(header('npm run bench:sdk-transport'));
  const tool = (name: string) => ({
    name,
    description: `${name}: ${'what the tool does, when to use it, and what it returns. '.repeat(10)}`,
    input_schema: {
      type: 'object' as const,
      properties: { order_id: { type: 'string', description: 'The order, as ORD-1234.' } },
      required: ['order_id'],
    },
  });
  const params = {
    model: 'claude-sonnet-4-6',
    max_tokens: 1024,
    system: 'You are the support agent of a shop. '.repeat(70),
    tools: ['verify_customer', 'lookup_order', 'process_refund', 'create_ticket', 'escalate'].map(tool),
    messages: [
      { role: 'user' as const, content: 'Hi, email bench1@example.com. My blender arrived broken, order ORD-700001.' },
      { role: 'assistant' as const, content: 'Let me look that up for you. '.repeat(20) },
      { role: 'user' as const, content: 'Thanks. I want a refund, please.' },
    ],
  };
  const clients: Record<string, Anthropic> = {
    'global fetch': new Anthropic({ apiKey: 'k', baseURL: url, maxRetries: 0, openTelemetry: false }),
    'the adapter (undici request)': new Anthropic({
      apiKey: 'k',
      baseURL: url,
      maxRetries: 0,
      openTelemetry: false,
      fetch: createModelFetch({ idleMs: 30_000 }),
    }),
  };
  const perCall: Record<string, number[]> = {};
  for (let round = 0; round <= ROUNDS; round++)
    for (const [name, client] of Object.entries(clients)) {
      for (let i = 0; i < 50; i++) await client.messages.create(params); // warm
      const c0 = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) await client.messages.create(params);
      const used = process.cpuUsage(c0);
      // round 0 only warms up
      if (round > 0) (perCall[name] ??= []).push((used.user + used.system) / 1000 / CALLS);
    }
  const results = Object.entries(perCall).map(([name, v]) => ({ name, ms: median(v) }));
  for (const r of results)
    console.log(`  ${r.name}: ${r.ms.toFixed(3)} ms of CPU per call (median of ${ROUNDS} rounds)`);
  const [fetchMs, adapterMs] = results.map((r) => r.ms);
  if (fetchMs && adapterMs) console.log(`adapter ÷ global fetch: ${(adapterMs / fetchMs).toFixed(2)}×`);
  child.kill();
}

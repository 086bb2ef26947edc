/**
 * npm run bench:durability — what it costs that the outbox row before a payment is on disk before
 * the payment runs (SQLite). The store commits the same step (a conversation update, two events,
 * one outbox row) three ways: `none` (synchronous = NORMAL, not waited for: not durable), `full`
 * (that COMMIT with synchronous = FULL: the fsync inside COMMIT, on the event loop) and `async`
 * (the default: COMMIT at NORMAL, then fdatasync of the WAL on the thread pool, shared by the
 * commits waiting for it). Reports per commit the latency one after the other, the time the
 * event loop was busy (what other requests wait for), and the throughput of 200 such commits from
 * 200 conversations at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSqliteDriver, type SqliteDriverOptions } from '../src/store/sqlite-driver.js';
import { createSqlStore, migrate } from '../src/store/sql-store.js';
import { header, median, pct } from './support/processes.js';

const SEQUENTIAL = Number(process.env.BENCH_COMMITS ?? 300);
const CONCURRENT = 200;
const snapshot = { value: 'refund-pending', context: { filler: 'x'.repeat(3000) } as never };
const index = { state: 'refund-pending', status: 'open' as const, waiting: false, wakeAt: null };

async function run(mode: NonNullable<SqliteDriverOptions['durableSync']>) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-durable-'));
  const db = createSqliteDriver(join(dir, 'support.db'), { durableSync: mode });
  await migrate(db);
  const store = createSqlStore(db);
  const conversations = SEQUENTIAL + CONCURRENT;
  for (let i = 0; i < conversations; i++)
    await store.createConversation({
      id: `c${i}`,
      tokenHash: 'h',
      machineVersion: 3,
      snapshot,
      index,
      now: new Date().toISOString(),
      events: [],
    });
  const step = (i: number) =>
    store.commit({
      conversationId: `c${i}`,
      expectedVersion: 1,
      snapshot,
      index,
      turn: 1,
      events: [
        { kind: 'proposal', payload: { tool: 'process_refund', decision: 'accepted' } },
        { kind: 'fact', payload: { event: { type: 'customer.confirmed' } } },
      ],
      effects: [
        { idempotencyKey: `refund:ORD-${i}`, kind: 'refund', request: { orderId: `ORD-${i}`, amountCents: 4999 } },
      ],
    });
  const elu0 = performance.eventLoopUtilization();
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    const r = await step(i);
    if (!r.ok) throw new Error('commit failed');
    latencies.push(performance.now() - t0);
  }
  const busy = performance.eventLoopUtilization(elu0).active / SEQUENTIAL;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENT }, (_, k) => step(SEQUENTIAL + k)));
  const burst = performance.now() - t0;
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return { p50: median(latencies), p99: pct(latencies, 99), busy, perSecond: (CONCURRENT / burst) * 1000 };
}

console.log(header('npm run bench:durability'));
const results = new Map<string, Array<Awaited<ReturnType<typeof run>>>>();
// interleaved: none, full, async, none, full, async, …
for (let round = 0; round < 3; round++)
  for (const mode of ['none', 'full', 'async'] as const)
    (results.get(mode) ?? results.set(mode, []).get(mode)!).push(await run(mode));
for (const [mode, rs] of results) {
  const m = (f: (r: (typeof rs)[number]) => number) => median(rs.map(f));
  console.log(
    `${mode.padEnd(5)} commit with an outbox row: p50 ${m((r) => r.p50).toFixed(3)} ms, p99 ${m((r) => r.p99).toFixed(2)} ms one after the other; ` +
      `event loop busy ${m((r) => r.busy).toFixed(3)} ms a commit; ${CONCURRENT} at once: ${m((r) => r.perSecond).toFixed(0)} commits/s (medians of 3)`,
  );
}

/**
 * npm run bench:concurrency — turn latency with 1, 100 and 1000 conversations at once on the
 * Claude path. A fake Messages API (test/support/fake-anthropic.ts, the honest refund model)
 * answers every call after 1000 ms; the built server runs with SUPPORT_MODEL=claude against it.
 * Each conversation is SEED scenario 1 for its own customer (seeded before the server starts):
 * the refund request (3 model calls: verify + look up, propose the refund, reply with the offer),
 * then the customer's "yes" (decided by code, which runs the refund; then one model call, for
 * the rest of the reply). Reports per store
 * (SQLite and PostgreSQL, each alone and with SUPPORT_WORKERS=2) the median time of the first turn
 * at each concurrency and its ratio to a lone turn. All N conversations are created first and
 * their first turns then sent together (BENCH_BARRIER=0: each turn as soon as its conversation
 * exists, which spreads the turns over the creates). BENCH_LEVELS=1,100,1000,
 * BENCH_STORES=sqlite,sqlite2,pg,pg2; BENCH_RUNS=N repeats each store N times, each time with a
 * fresh database and server, and reports the median ratio and the range (the machines are noisy).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { createPostgresDriver } from '../src/store/postgres-driver.js';
import { createSqliteDriver } from '../src/store/sqlite-driver.js';
import { migrate } from '../src/store/sql-store.js';
import type { SqlDriver } from '../src/store/sql.js';
import { startFakeAnthropic } from '../test/support/fake-anthropic.js';
import { honestRefundModel } from '../test/support/fake-models.js';
import { benchDatabase, cpuMs, ensureBuilt, header, median, pct, startAgent, type Child } from './support/processes.js';

const DELAY_MS = 1000;
const LEVELS = (process.env.BENCH_LEVELS ?? '1,100,1000').split(',').map(Number);
const STORES = (process.env.BENCH_STORES ?? 'sqlite,sqlite2,pg,pg2').split(',');
const LONE_SAMPLES = 5;
const BARRIER = process.env.BENCH_BARRIER !== '0';
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const CUSTOMERS = LONE_SAMPLES + LEVELS.reduce((a, b) => a + b, 0);

/** One refundable order per bench customer, delivered three days ago (inside the return window). */
async function seedCustomers(db: SqlDriver): Promise<void> {
  await migrate(db);
  const delivered = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const ordered = new Date(Date.now() - 6 * 86_400_000).toISOString();
  await db.tx(async (q) => {
    for (let i = 0; i < CUSTOMERS; i++) {
      await q.run('INSERT INTO customers (customer_id, name, email, status, open_case_count) VALUES (?, ?, ?, ?, 0)', [
        `USR-B${i}`,
        `Bench Customer ${i}`,
        `bench${i}@example.com`,
        'active',
      ]);
      await q.run(
        `INSERT INTO orders (order_id, customer_id, amount_cents, status, kind, description, ordered_at, delivered_at)
         VALUES (?, ?, 4999, 'delivered', 'one_time', 'Blender', ?, ?)`,
        [`ORD-${700_000 + i}`, `USR-B${i}`, ordered, delivered],
      );
    }
  });
  await db.close();
}

// the clients share this process with the fake API: undici's request() (as autocannon would be,
// lean) rather than fetch, so that the load generator takes less of the cores the server runs on
const clients = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

async function post(url: string, body: unknown, token?: string): Promise<any> {
  const res = await request(url, {
    dispatcher: clients,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${res.statusCode} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

interface Conversation {
  /** When the first turn was sent (performance.now()). */
  start: number;
  turn: number;
  yes: number;
  refunded: boolean;
}

interface Created {
  conversation_id: string;
  token: string;
}

async function create(url: string): Promise<Created> {
  return post(`${url}/api/conversations`, {});
}

async function conversation(url: string, i: number, created?: Created): Promise<Conversation> {
  const c = created ?? (await create(url));
  const at = `${url}/api/conversations/${c.conversation_id}/messages`;
  const t0 = performance.now();
  await post(
    at,
    {
      message: `Hi, email bench${i}@example.com. My blender arrived broken, order ORD-${700_000 + i}. I want a refund.`,
    },
    c.token,
  );
  const t1 = performance.now();
  const yes = await post(at, { message: 'Yes, please go ahead.' }, c.token);
  const t2 = performance.now();
  return { start: t0, turn: t1 - t0, yes: t2 - t1, refunded: yes.state === 'resolved' };
}

async function storeFor(
  store: string,
): Promise<{ env: Record<string, string>; label: string; cleanup: () => Promise<void> }> {
  if (store === 'sqlite' || store === 'sqlite2') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-conc-'));
    await seedCustomers(createSqliteDriver(join(dir, 'support.db')));
    const workers = store === 'sqlite2' ? '2' : '1';
    return {
      env: { SUPPORT_DATA_DIR: dir, SUPPORT_WORKERS: workers },
      label: workers === '1' ? 'SQLite' : `SQLite, ${workers} workers`,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const db = await benchDatabase();
  await seedCustomers(createPostgresDriver(db.url));
  const workers = store === 'pg2' ? '2' : '1';
  return {
    env: { DATABASE_URL: db.url, SUPPORT_WORKERS: workers },
    label: workers === '1' ? 'PostgreSQL' : `PostgreSQL, ${workers} workers`,
    cleanup: () => db.cleanup(),
  };
}

ensureBuilt();
console.log(header('npm run bench:concurrency'));
console.log(
  `fake Messages API answering each call after ${DELAY_MS} ms; SEED scenario 1 per conversation (3 model calls, then "yes": 1 more)`,
);
const fake = await startFakeAnthropic(
  (body) => ({ ...(honestRefundModel(body) as object), delayMs: DELAY_MS }) as ReturnType<typeof honestRefundModel>,
);
/** label → level → the ratio of each run: the summary at the end */
const ratios = new Map<string, Map<number, number[]>>();
try {
  for (const store of STORES)
    for (let run = 1; run <= RUNS; run++) {
      const { env, label, cleanup } = await storeFor(store);
      if (RUNS > 1) console.log(`${label}, run ${run} of ${RUNS}`);
      let agent: Child | null = null;
      try {
        agent = await startAgent({
          ...env,
          SUPPORT_MODEL: 'claude',
          ANTHROPIC_API_KEY: 'bench-key',
          ANTHROPIC_BASE_URL: fake.url,
          ANTHROPIC_MAX_RETRIES: '0',
          ANTHROPIC_TIMEOUT_MS: '600000',
          SUPPORT_TURN_TIMEOUT_MS: '600000',
          LOG_LEVEL: 'warn',
        });
        let next = 0;
        // lone turns: a few, one after the other (the first also warms the server up)
        await conversation(agent.url, next++);
        const lone: number[] = [];
        for (let k = 1; k < LONE_SAMPLES; k++) lone.push((await conversation(agent.url, next++)).turn);
        const base = median(lone);
        for (const level of LEVELS) {
          const first = next;
          next += level;
          const cpu0 = cpuMs(agent.child.pid!);
          const own0 = process.cpuUsage();
          const t0 = performance.now();
          // every conversation is created first; then all first turns are sent at once, so that
          // "N at once" means N turns in the server together, not spread by the creates
          // (BENCH_BARRIER=0: each conversation sends its turn as soon as it is created, as before)
          const created = BARRIER
            ? await Promise.all(Array.from({ length: level }, () => create(agent!.url)))
            : Array.from({ length: level }, () => undefined);
          const sent = performance.now();
          const results = await Promise.all(created.map((c, k) => conversation(agent!.url, first + k, c)));
          const starts = results.map((r) => r.start - sent);
          const wall = performance.now() - t0;
          const cpu = cpuMs(agent.child.pid!) - cpu0;
          const own = process.cpuUsage(own0);
          const ownMs = (own.user + own.system) / 1000;
          const turns = results.map((r) => r.turn);
          const refunded = results.filter((r) => r.refunded).length;
          const ratio = median(turns) / base;
          const byLevel = ratios.get(label) ?? new Map<number, number[]>();
          ratios.set(label, byLevel.set(level, [...(byLevel.get(level) ?? []), ratio]));
          console.log(
            `  ${label}, ${String(level).padStart(4)} at once: first turn median ${median(turns).toFixed(0)} ms (p90 ${pct(turns, 90).toFixed(0)} ms) = ${ratio.toFixed(2)}× a lone turn (${base.toFixed(0)} ms); ` +
              `"yes" turn median ${median(results.map((r) => r.yes)).toFixed(0)} ms; ${refunded}/${level} refunded; all done in ${(wall / 1000).toFixed(1)} s (creates ${((sent - t0) / 1000).toFixed(1)} s, then first turns sent over ${(pct(starts, 90) / 1000).toFixed(1)} s at p90); CPU a conversation: server ${(cpu / level).toFixed(1)} ms, this process (clients and fake API) ${(ownMs / level).toFixed(1)} ms`,
          );
        }
      } finally {
        await agent?.stop();
        await cleanup();
      }
    }
} finally {
  await fake.close();
  await clients.close();
}
// one line per store: each level's ratio, or over several runs their median, range and count over the target
for (const [label, byLevel] of ratios) {
  const parts = [...byLevel].map(([level, r]) => {
    if (r.length === 1) return `${level}: ${r[0]!.toFixed(2)}×`;
    const sorted = [...r].sort((x, y) => x - y);
    const over = r.filter((x) => x > 2).length;
    return `${level}: median ${median(r).toFixed(2)}× (${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)}, ${over} of ${r.length} runs over 2.0×)`;
  });
  console.log(`${label}: turn at N concurrent ÷ lone turn — ${parts.join('; ')}`);
}

/**
 * npm run bench:http — conversations per echo request. Against the built server (offline model,
 * quotas off) autocannon runs whole conversations on 16 connections: POST /api/conversations, then
 * one read-only turn that verifies a customer and asks an order's status. Against a bare Hono echo
 * server (started by this script, same machine) it runs POST /echo. The two alternate A B A B …;
 * each pair gives a ratio (conversations/s ÷ echo requests/s) and the median ratio is reported per
 * store: SQLite and PostgreSQL, each in one process and with SUPPORT_WORKERS=2 (sqlite2, pg2).
 * BENCH_SECONDS (default 10) per run, BENCH_ROUNDS (default 3) pairs, BENCH_WARMUP (default 5) seconds of
 * conversations before the first, BENCH_STORES=sqlite,sqlite2,pg,pg2.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchDatabase,
  cpuMs,
  ensureBuilt,
  header,
  median,
  startAgent,
  startEcho,
  type Child,
} from './support/processes.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const CONNECTIONS = 16;
const STORES = (process.env.BENCH_STORES ?? 'sqlite,sqlite2,pg,pg2').split(',');
const MESSAGE = 'Hi, my email is marcus@example.com. What is the status of order ORD-9901?';

interface Run {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU (all its processes) per echo request or per conversation, ms. */
  cpuEach: number;
}

/** Runs `load` and measures the server's CPU over it. */
async function measured(server: Child, load: () => Promise<Omit<Run, 'cpuEach'> & { count: number }>): Promise<Run> {
  const before = cpuMs(server.child.pid!);
  const r = await load();
  const used = cpuMs(server.child.pid!) - before;
  return {
    perSecond: r.perSecond,
    p50: r.p50,
    p99: r.p99,
    errors: r.errors,
    cpuEach: r.count ? used / r.count : Number.NaN,
  };
}

async function echoRun(echo: Child, seconds: number): Promise<Run> {
  return measured(echo, async () => {
    const r = await autocannon({
      url: `${echo.url}/echo`,
      connections: CONNECTIONS,
      duration: seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: MESSAGE }),
    });
    return {
      perSecond: r['2xx'] / seconds,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.non2xx + r.errors + r.timeouts,
      count: r['2xx'],
    };
  });
}

async function conversationRun(agent: Child, seconds: number): Promise<Run> {
  type Ctx = { id?: string; token?: string };
  return measured(agent, async () => {
    const r = await autocannon({
      url: agent.url,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/api/conversations',
          onResponse: (status: number, body: string, context: Ctx) => {
            if (status !== 201) return;
            const j = JSON.parse(body) as { conversation_id: string; token: string };
            context.id = j.conversation_id;
            context.token = j.token;
          },
        },
        {
          method: 'POST',
          setupRequest: (req: Record<string, unknown>, context: Ctx) => ({
            ...req,
            path: `/api/conversations/${context.id}/messages`,
            headers: { authorization: `Bearer ${context.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ message: MESSAGE }),
          }),
        },
      ],
    });
    // a conversation is a create and a turn: two 2xx answers
    return {
      perSecond: r['2xx'] / 2 / seconds,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.non2xx + r.errors + r.timeouts,
      count: r['2xx'] / 2,
    };
  });
}

/** The agent of one store; `entry`: another build (BENCH_BASELINE_ENTRY), started the same way. */
async function agentFor(
  store: string,
  entry?: string,
): Promise<{ agent: Child; cleanup: () => Promise<void>; label: string }> {
  if (store === 'sqlite' || store === 'sqlite2') {
    const workers = store === 'sqlite2' ? '2' : '1';
    const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
    const agent = await startAgent({ SUPPORT_DATA_DIR: dir, SUPPORT_WORKERS: workers }, entry);
    return {
      agent,
      label: workers === '1' ? 'SQLite' : `SQLite, ${workers} workers`,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const workers = store === 'pg2' ? '2' : '1';
  const db = await benchDatabase();
  const agent = await startAgent({ DATABASE_URL: db.url, SUPPORT_WORKERS: workers }, entry);
  return {
    agent,
    label: workers === '1' ? 'PostgreSQL' : `PostgreSQL, ${workers} workers`,
    cleanup: () => db.cleanup(),
  };
}

const fmt = (r: Run) =>
  `${r.perSecond.toFixed(1)}/s (p50 ${r.p50} ms, p99 ${r.p99} ms, server CPU ${r.cpuEach.toFixed(3)} ms each${r.errors ? `, ${r.errors} errors` : ''})`;

/** BENCH_BASELINE_ENTRY: a baseline build's server entry, measured in the same rotation (echo, baseline, this build). */
const BASELINE = process.env.BENCH_BASELINE_ENTRY;

ensureBuilt();
console.log(header('npm run bench:http'));
console.log(
  `${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per side, interleaved echo / agent${BASELINE ? ' / baseline' : ''}; a conversation = create + "${MESSAGE}"`,
);
const echo = await startEcho();
const summary: string[] = [];
try {
  await echoRun(echo, 2); // warm-up
  for (const store of STORES) {
    if (BASELINE && store === 'pg2') continue; // the baseline has no workers
    const agents = [{ name: 'this build', ...(await agentFor(store)) }];
    if (BASELINE) agents.push({ name: `baseline ${BASELINE}`, ...(await agentFor(store, BASELINE)) });
    try {
      // warm-up (JIT, prepared statements, pool, the WAL's first checkpoints)
      for (const a of agents) await conversationRun(a.agent, WARMUP);
      const runs = agents.map(() => ({ ratios: [] as number[], cpuRatios: [] as number[], agentRuns: [] as Run[] }));
      for (let i = 0; i < ROUNDS; i++) {
        for (const [k, a] of agents.entries()) {
          const e = await echoRun(echo, SECONDS);
          const r = await conversationRun(a.agent, SECONDS);
          runs[k]!.ratios.push(r.perSecond / e.perSecond);
          runs[k]!.cpuRatios.push(e.cpuEach / r.cpuEach);
          runs[k]!.agentRuns.push(r);
          const who = agents.length > 1 ? ` (${a.name})` : '';
          console.log(
            `  ${a.label}${who} round ${i + 1}: echo ${fmt(e)} | conversations ${fmt(r)} | ratio ${(r.perSecond / e.perSecond).toFixed(4)}`,
          );
        }
      }
      for (const [k, a] of agents.entries()) {
        const { ratios, cpuRatios, agentRuns } = runs[k]!;
        const p99s = agentRuns.map((r) => r.p99);
        const who = agents.length > 1 ? ` (${a.name})` : '';
        summary.push(
          `${a.label}${who}: ${median(ratios).toFixed(4)} conversations per echo request (median of ${ROUNDS}; ${median(agentRuns.map((r) => r.perSecond)).toFixed(1)} conversations/s; ` +
            `request p99 ${Math.min(...p99s)}–${Math.max(...p99s)} ms; by server process CPU ${median(cpuRatios).toFixed(4)}, ${median(agentRuns.map((r) => r.cpuEach)).toFixed(2)} ms a conversation)`,
        );
      }
    } finally {
      for (const a of agents) {
        await a.agent.stop();
        await a.cleanup();
      }
    }
  }
} finally {
  await echo.stop();
}
for (const line of summary) console.log(line);

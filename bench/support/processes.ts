/**
 * What the HTTP benchmarks share: the built server as a child process (one per store, or several
 * workers), a bare Hono echo server to compare against, throwaway PostgreSQL databases, and the
 * header every benchmark prints (date, machine, command).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabaseOn, type PgTestDatabase } from '../../test/support/pg.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The server entry the benchmarks run (BENCH_AGENT_ENTRY: another build, for A/B against a baseline). */
export const agentEntry = process.env.BENCH_AGENT_ENTRY ?? join(root, 'dist', 'server', 'main.js');

/** Quotas off (the benchmark is one client address), as the brief for the benchmarks says. */
export const RATES_OFF: Record<string, string> = {
  SUPPORT_RATE_CONVERSATIONS: 'off',
  SUPPORT_RATE_MESSAGES: 'off',
  SUPPORT_RATE_CONVERSATION_MESSAGES: 'off',
  SUPPORT_RATE_VERIFY: 'off',
  SUPPORT_RATE_TICKETS: 'off',
};

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;
}

export function header(command: string): string {
  return `${command} — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine()}`;
}

/** Builds dist/ unless it is newer than the sources (the same check as npm start). */
export function ensureBuilt(): void {
  if (process.env.BENCH_AGENT_ENTRY) return;
  const r = spawnSync('node', [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export interface Child {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `node <entry>` and resolves with its URL once it printed "listening on http://…". */
export async function spawnListening(entry: string, env: Record<string, string>, args: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...args, entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let listening = false;
  // once listening, only the tail of the output is kept (the request logs would grow without bound)
  // BENCH_AGENT_LOG=<file>: everything the server prints is also appended there
  const log = process.env.BENCH_AGENT_LOG;
  const keep = (d: Buffer) => {
    if (log) appendFileSync(log, d);
    out += d.toString();
    if (listening && out.length > 20_000) out = out.slice(-10_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/[^\s,)]+)/.exec(out);
      if (m?.[1]) {
        clearInterval(timer);
        listening = true;
        resolve(m[1].replace('localhost', '127.0.0.1'));
      }
    }, 20);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`${entry} exited before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The agent as `npm start` runs it (offline model unless env says otherwise), with quotas off. BENCH_AGENT_NODE_ARGS: e.g. --cpu-prof. */
export function startAgent(env: Record<string, string>, entry = agentEntry): Promise<Child> {
  const args = (process.env.BENCH_AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawnListening(entry, { ...RATES_OFF, SUPPORT_SWEEP_INTERVAL_MS: '0', ...env }, args);
}

/** The bare Hono echo server (bench/support/echo-server.ts, run by tsx like nothing else: compiled on the fly once). */
export function startEcho(): Promise<Child> {
  return spawnListening(join(root, 'bench', 'support', 'echo-server.ts'), {}, ['--import', 'tsx']);
}

export const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? process.env.SUPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A throwaway database on the local PostgreSQL server (dropped by cleanup()). */
export function benchDatabase(): Promise<PgTestDatabase> {
  return createDatabaseOn(PG_ADMIN_URL);
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** CPU time (user + system, ms) of a process and its descendants so far (Linux /proc; 0 elsewhere). */
export function cpuMs(pid: number): number {
  const ticks = 100; // USER_HZ on Linux
  const of = (p: number): number => {
    let own = 0;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      own = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks; // utime, stime
    } catch {
      return 0;
    }
    let children = 0;
    try {
      for (const tid of readdirSync(`/proc/${p}/task`))
        for (const c of readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean))
          children += of(Number(c));
    } catch {
      // no children file
    }
    return own + children;
  };
  return of(pid);
}

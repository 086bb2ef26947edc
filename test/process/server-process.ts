/** Runs the real server (src/main.ts) as a child process, for crash, restart and multi-process tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createDatabaseOn, type PgProbe, type PgTestDatabase } from '../support/pg.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code or signal when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `src/main.ts` with tsx on a free port; resolves once it listens. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: '0',
      HOST: '127.0.0.1',
      SUPPORT_ADMIN_TOKEN: ADMIN_TOKEN,
      SUPPORT_SWEEP_INTERVAL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m?.[1]) {
        child.stdout?.off('data', onData);
        resolve(m[1].replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((e) => reject(new Error(`server exited before listening (${e.code ?? e.signal}):\n${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A customer: creates a conversation on `url`, then sends messages. */
export async function openConversation(url: string): Promise<{ id: string; token: string }> {
  const res = await fetch(`${url}/api/conversations`, { method: 'POST' });
  const body = await json(res);
  return { id: body.conversation_id, token: body.token };
}

export function sendMessage(url: string, conv: { id: string; token: string }, message: string): Promise<Response> {
  return fetch(`${url}/api/conversations/${conv.id}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${conv.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });
}

export async function adminGet(url: string, path: string): Promise<any> {
  return json(await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
}

export async function adminPost(url: string, path: string, body: unknown = {}): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * Two server processes started together on a fresh PostgreSQL database (created on the probe's
 * server before the suite, dropped after it), with `env` on top of DATABASE_URL. Read `a`, `b` and
 * `db` inside the tests.
 */
export function twoServersOnPg(
  probe: PgProbe,
  env: Record<string, string> = {},
): { a: ServerProcess; b: ServerProcess; db: PgTestDatabase } {
  const servers = {} as { a: ServerProcess; b: ServerProcess; db: PgTestDatabase };
  beforeAll(async () => {
    if (!probe.ok) return;
    servers.db = await createDatabaseOn(probe.adminUrl);
    const withDb = { DATABASE_URL: servers.db.url, ...env };
    [servers.a, servers.b] = await Promise.all([startServer(withDb), startServer(withDb)]);
  });
  afterAll(async () => {
    await Promise.all([servers.a?.stop(), servers.b?.stop()]);
    await servers.db?.cleanup();
  });
  return servers;
}

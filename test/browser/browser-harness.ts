/**
 * Browser tests: Chromium through playwright-core against a real server process (offline model,
 * fresh data folder, free port). The machine refuses outside connections: Chromium's own
 * background traffic is switched off.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { NewConversation, OperatorView, TurnResult } from '../../src/web/shared/contract.js';
import { ADMIN_TOKEN, startServer, type ServerProcess } from '../process/server-process.js';

export { ADMIN_TOKEN };
const run = promisify(execFile);
export const CHROMIUM = process.env.SUPPORT_CHROMIUM ?? '/usr/bin/chromium';

export const SEED_1 = 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.';
/** ORD-7771, $400 lost in transit: above the limit, so the customer's yes asks a supervisor. */
export const SEED_VIP =
  'Hi, I am james@example.com. My espresso machine, order ORD-7771, never arrived. I want a refund.';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

export interface App {
  url: string;
  server: ServerProcess;
  /** The token of each operator account added with `operators`. */
  tokens: Record<string, string>;
  stop(): Promise<void>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `npm run operator -- add <name> --role <role>` on a data folder; resolves with the token it prints once. */
async function addOperator(dataDir: string, name: string, role: 'agent' | 'supervisor'): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'operator', 'add', name, '--role', role],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        SUPPORT_DATA_DIR: dataDir,
        SUPPORT_MODEL: 'offline',
      },
    },
  );
  const token = /token \(shown once; keep it secret\): (\S+)/.exec(stdout)?.[1];
  if (!token) throw new Error(`operator add ${name} printed no token:\n${stdout}`);
  return token;
}

/**
 * A server of its own: fresh SQLite data, offline model, SUPPORT_ADMIN_TOKEN = ADMIN_TOKEN, and
 * the named operator accounts (added with the operator command before the server starts).
 */
export async function startApp(
  env: Record<string, string> = {},
  operators: Array<{ name: string; role: 'agent' | 'supervisor' }> = [],
): Promise<App> {
  const dataDir = await mkdtemp(join(tmpdir(), 'support-browser-'));
  const tokens: Record<string, string> = {};
  for (const o of operators) tokens[o.name] = await addOperator(dataDir, o.name, o.role);
  const server = await startServer({ SUPPORT_DATA_DIR: dataDir, SUPPORT_MODEL: 'offline', ...env });
  return {
    url: server.url,
    server,
    tokens,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors other than failed loads (CSP violations land here). */
  problems: string[];
}

export async function openTab(browser: Browser, url: string, viewport = { width: 1100, height: 800 }): Promise<Tab> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(message.text());
  });
  await page.goto(url);
  return { context, page, problems };
}

/**
 * Marks the page's current document; `sameDocument` is then true only if no reload or navigation
 * happened since (how the tests know an update arrived live).
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __testMark?: boolean }).__testMark = true;
  });
}

export function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __testMark?: boolean }).__testMark === true);
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** GET an operator endpoint (as the supervisor `admin` unless another token is given). */
export async function operatorGet<T>(url: string, path: string, token = ADMIN_TOKEN): Promise<T> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

export const operatorView = (url: string, id: string, token = ADMIN_TOKEN) =>
  operatorGet<OperatorView>(url, `/api/operator/conversations/${encodeURIComponent(id)}`, token);

/** A customer conversation driven through the API (not the page). */
export async function apiConversation(
  url: string,
): Promise<{ id: string; token: string; send(m: string): Promise<TurnResult> }> {
  const created = (await (await fetch(`${url}/api/conversations`, { method: 'POST' })).json()) as NewConversation;
  return {
    id: created.conversation_id,
    token: created.token,
    async send(message: string) {
      const res = await fetch(`${url}/api/conversations/${created.conversation_id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      });
      if (!res.ok) throw new Error(`POST messages: ${res.status} ${await res.text()}`);
      return (await res.json()) as TurnResult;
    },
  };
}

/** A conversation waiting for a supervisor: the ORD-7771 request, answered yes to its offer. */
export async function approvalWaiting(url: string): Promise<{ id: string; token: string }> {
  const conv = await apiConversation(url);
  const offered = await conv.send(SEED_VIP);
  if (offered.awaiting?.kind !== 'confirmation') throw new Error(`no offer for ORD-7771: ${offered.reply}`);
  const asked = await conv.send('Yes');
  if (asked.awaiting?.kind !== 'approval') throw new Error(`no approval request for ORD-7771: ${asked.reply}`);
  return conv;
}

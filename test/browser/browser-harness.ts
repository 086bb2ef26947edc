/**
 * Browser tests: Chromium through playwright-core against a real server process (offline model,
 * fresh data folder, free port). The machine refuses outside connections: Chromium's own
 * background traffic is switched off.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_TOKEN, startServer, type ServerProcess } from '../process/server-process.js';

export { ADMIN_TOKEN };
export const CHROMIUM = process.env.SUPPORT_CHROMIUM ?? '/usr/bin/chromium';

export const SEED_1 = 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.';
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
  stop(): Promise<void>;
}

/** A server of its own: fresh SQLite data, offline model, SUPPORT_ADMIN_TOKEN = ADMIN_TOKEN. */
export async function startApp(env: Record<string, string> = {}): Promise<App> {
  const dataDir = await mkdtemp(join(tmpdir(), 'support-browser-'));
  const server = await startServer({ SUPPORT_DATA_DIR: dataDir, SUPPORT_MODEL: 'offline', ...env });
  return {
    url: server.url,
    server,
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

/** True when the server has the issue-13 endpoint at `path` (a 404 "no such endpoint" otherwise). */
export async function hasEndpoint(url: string, path: string, init: RequestInit = {}): Promise<boolean> {
  const res = await fetch(`${url}${path}`, init);
  const body = await res.text();
  return !(res.status === 404 && body.includes('no such endpoint'));
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A customer conversation driven through the API (not the page). */
export async function apiConversation(
  url: string,
): Promise<{ id: string; token: string; send(m: string): Promise<any> }> {
  const created = (await (await fetch(`${url}/api/conversations`, { method: 'POST' })).json()) as {
    conversation_id: string;
    token: string;
  };
  return {
    id: created.conversation_id,
    token: created.token,
    async send(message: string) {
      const res = await fetch(`${url}/api/conversations/${created.conversation_id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      });
      return res.json();
    },
  };
}

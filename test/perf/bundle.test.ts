/**
 * `npm start` runs the esbuild bundle of the server (scripts/bundle-server.mjs), not the sources:
 * the bundle must behave as the sources do. Bundled into a folder of its own, it is started on a
 * fresh SQLite store and SEED scenario 1 runs through it over HTTP (offer, yes, the refund), with
 * the parts that load data or native code at run time: triggers (wink-nlp), the statechart SVG
 * (viz), better-sqlite3, pino.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, openConversation, sendMessage } from '../process/server-process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outdir = `test-bundle-${process.pid}`;

describe('the bundled server (npm start)', () => {
  let url = '';
  let output = '';
  let child: ReturnType<typeof spawn>;
  let exited: Promise<number | null>;
  const dataDir = mkdtempSync(join(tmpdir(), 'support-bundle-'));

  beforeAll(async () => {
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-server.mjs')], {
      cwd: root,
      env: { ...process.env, BUNDLE_OUTDIR: outdir },
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
    child = spawn(process.execPath, [join(root, 'dist', outdir, 'main.js')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        PORT: '0',
        HOST: '127.0.0.1',
        SUPPORT_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /listening on (http:\/\/[^\s]+)/.exec(output);
        if (m?.[1]) {
          clearInterval(timer);
          resolve(m[1].replace('localhost', '127.0.0.1'));
        }
      }, 20);
      void exited.then(() => {
        clearInterval(timer);
        reject(new Error(`the bundle exited before listening:\n${output}`));
      });
    });
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(join(root, 'dist', outdir), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers its health with the offline model and the SQLite store', async () => {
    expect(await json(await fetch(`${url}/api/health`))).toMatchObject({
      status: 'ok',
      model: 'offline',
      store: 'sqlite',
    });
  });

  it('runs SEED scenario 1: the offer, then the refund on the yes', async () => {
    const c = await openConversation(url);
    const offer = await json(
      await sendMessage(
        url,
        c,
        'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
      ),
    );
    expect(offer.state).toBe('awaiting-confirmation');
    const done = await json(await sendMessage(url, c, 'Yes, please go ahead.'));
    expect(done).toMatchObject({ state: 'resolved', status: 'resolved' });
    expect(done.reply).toMatch(/\$89\.99/);
  });

  it('opens a ticket for a trigger word (the language model loads in the bundle)', async () => {
    const c = await openConversation(url);
    const r = await json(await sendMessage(url, c, 'I want to speak to a lawyer about this.'));
    expect(r.status).toBe('escalated');
  });

  it('draws the statechart', async () => {
    const res = await fetch(`${url}/api/machine.svg`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<svg/);
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/stopped cleanly/);
  });
});

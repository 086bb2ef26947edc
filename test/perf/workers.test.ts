/**
 * SUPPORT_WORKERS: several server processes on one port (node:cluster), PostgreSQL only. The
 * primary announces the port once every worker listens; connections are spread over the workers;
 * a conversation's turns are served whichever worker gets them; SIGTERM stops every worker
 * gracefully. With the embedded SQLite store it refuses to start (that store has one owner).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  json,
  openConversation,
  sendMessage,
  startServer,
  type ServerProcess,
} from '../process/server-process.js';
import { createPgTestDatabase, pgSuiteName, type PgTestDatabase } from '../support/pg.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';

const setup = await createPgTestDatabase();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe.skipIf(setup.db === null)(pgSuiteName('SUPPORT_WORKERS=2 on PostgreSQL', setup), () => {
  let db: PgTestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    db = setup.db!;
    server = await startServer({ DATABASE_URL: db.url, SUPPORT_WORKERS: '2', SUPPORT_CONFIRM_REFUNDS: 'never' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await db?.cleanup();
  });

  it('announces one address for both workers and answers on it from both', async () => {
    expect(server.output()).toMatch(/listening on http:\/\/localhost:\d+ \(2 workers, model: offline, store: postgres/);
    const instances = new Set<string>();
    for (let i = 0; i < 20 && instances.size < 2; i++) {
      // a new connection each time: the primary hands connections out round-robin
      const res = await fetch(`${server.url}/api/operator/health`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, connection: 'close' },
      });
      instances.add(String((await json(res)).instance));
    }
    expect(instances.size).toBe(2);
  });

  it('serves the turns of many conversations, one refund of ORD-8842 in all', async () => {
    const conversations = await Promise.all(Array.from({ length: 8 }, () => openConversation(server.url)));
    const results = await Promise.all(
      conversations.map((c) =>
        sendMessage(
          server.url,
          c,
          'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const refunds = await json(
      await fetch(`${server.url}/api/refunds`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    );
    expect(refunds.refunds.filter((r: { order_id: string }) => r.order_id === 'ORD-8842')).toHaveLength(1);
    for (const c of conversations.slice(0, 3)) expect((await sendMessage(server.url, c, 'thanks')).status).toBe(200);
  });

  it('stops every worker on SIGTERM', async () => {
    await server.stop('SIGTERM');
    const out = server.output();
    expect(out).toMatch(/SIGTERM: stopping 2 workers/);
    expect(out.match(/worker \d stopped cleanly/g)).toHaveLength(2);
  });
});

describe('SUPPORT_WORKERS with the embedded SQLite store', () => {
  it('refuses to start, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'support-workers-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts')], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          PORT: '0',
          SUPPORT_DATA_DIR: dir,
          SUPPORT_WORKERS: '2',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code).toBe(2);
      expect(err).toMatch(/SUPPORT_WORKERS > 1 needs DATABASE_URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

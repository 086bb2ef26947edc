/**
 * SUPPORT_WORKERS: several server processes on one port (node:cluster), on PostgreSQL and on the
 * embedded SQLite file. The primary announces the port once every worker listens; connections are
 * spread over the workers; a conversation's turns are served whichever worker gets them; SIGTERM
 * stops every worker gracefully. On SQLite the primary readies the file before the workers run:
 * what a crashed run held is void, what a live sibling holds is never touched.
 */
import Database from 'better-sqlite3';
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
import { createPgTestDatabase, pgSuiteName } from '../support/pg.js';

const setup = await createPgTestDatabase();

interface Store {
  name: string;
  /** The server's env for this store; `cleanup` after the suite. */
  open(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>;
  skip: boolean;
  pattern: RegExp;
}

const stores: Store[] = [
  {
    name: pgSuiteName('SUPPORT_WORKERS=2 on PostgreSQL', setup),
    skip: setup.db === null,
    pattern: /store: postgres/,
    open: async () => ({ env: { DATABASE_URL: setup.db!.url }, cleanup: () => setup.db!.cleanup() }),
  },
  {
    name: 'SUPPORT_WORKERS=2 on the embedded SQLite store',
    skip: false,
    pattern: /store: sqlite/,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'support-workers-'));
      return { env: { SUPPORT_DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

for (const store of stores) {
  describe.skipIf(store.skip)(store.name, () => {
    let server: ServerProcess;
    let cleanup = async () => {};
    beforeAll(async () => {
      const opened = await store.open();
      cleanup = opened.cleanup;
      server = await startServer({ ...opened.env, SUPPORT_WORKERS: '2', SUPPORT_CONFIRM_REFUNDS: 'never' });
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      await cleanup();
    });

    it('announces one address for both workers and answers on it from both', async () => {
      expect(server.output()).toMatch(/listening on http:\/\/localhost:\d+ \(2 workers, model: offline, store: /);
      expect(server.output()).toMatch(store.pattern);
      const instances = new Set<string>();
      for (let i = 0; i < 20 && instances.size < 2; i++) {
        // a new connection each time: a connection goes to a worker waiting for one (not always the same)
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
}

describe('SUPPORT_WORKERS=2 on SQLite after a crash', () => {
  it('voids the lease a crashed run left (the primary, before any worker), so the conversation answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'support-workers-crash-'));
    try {
      const first = await startServer({ SUPPORT_DATA_DIR: dir });
      const conv = await openConversation(first.url);
      await first.stop('SIGKILL');
      // as if that run had died in the middle of a turn: its lease, an hour long
      const file = new Database(join(dir, 'support.db'));
      const until = new Date(Date.now() + 3_600_000).toISOString();
      file
        .prepare('UPDATE conversations SET lease_holder = ?, lease_until = ? WHERE id = ?')
        .run('dead', until, conv.id);
      file.close();

      const server = await startServer({ SUPPORT_DATA_DIR: dir, SUPPORT_WORKERS: '2' });
      try {
        const res = await sendMessage(server.url, conv, 'Hi, my email is marcus@example.com.');
        expect(res.status).toBe(200);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

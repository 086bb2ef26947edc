/**
 * npm run bench:length — turn latency against conversation length. Conversations of 80 customer
 * messages (offline model, quotas off, the server's runtime from assemble()): the first verifies
 * Marcus and asks about ORD-9901, then status questions alternate with a thank-you. Reports the
 * median turn time (wall and CPU) at messages 2, 40 and 80 over BENCH_CONVERSATIONS (default 30)
 * conversations, and the ratio message 80 / message 2. The conversations are staggered (each
 * starts a few rounds after the previous), so early and late messages are measured side by side,
 * not early and late in the process's life (JIT, garbage, the database's size).
 * npx tsx bench/length.ts [sqlite|pg]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { assemble } from '../src/main.js';
import { benchDatabase, header, median, RATES_OFF } from './support/processes.js';

const store = process.argv[2] ?? 'sqlite';
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 30);
const MESSAGES = 80;
const FIRST = 'Hi, my email is marcus@example.com. What is the status of order ORD-9901?';
const message = (i: number) =>
  i === 1 ? FIRST : i % 2 === 0 ? 'What is the status of order ORD-9901?' : 'Thanks, good to know.';

const dir = mkdtempSync(join(tmpdir(), 'bench-length-'));
const pg = store === 'pg' ? await benchDatabase() : null;
const a = await assemble(loadConfig({ ...RATES_OFF, SUPPORT_DATA_DIR: dir, ...(pg ? { DATABASE_URL: pg.url } : {}) }), {
  ownsStore: true,
});
console.log(header(`npm run bench:length${store === 'pg' ? ' -- pg' : ''}`));
const wall = new Map<number, number[]>();
const cpu = new Map<number, number[]>();
const states = new Set<string>();
try {
  // warm-up: three whole conversations
  for (let k = 0; k < 3; k++) {
    const w = await a.runtime.createConversation();
    for (let i = 1; i <= MESSAGES; i++) await a.runtime.sendMessage(w.conversation_id, w.token, message(i));
  }
  const convs = await Promise.all(Array.from({ length: CONVERSATIONS }, () => a.runtime.createConversation()));
  const step = Math.max(1, Math.floor(MESSAGES / CONVERSATIONS));
  for (let round = 0; round < MESSAGES + step * (CONVERSATIONS - 1); round++) {
    for (const [j, c] of convs.entries()) {
      const i = round - j * step + 1;
      if (i < 1 || i > MESSAGES) continue;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await a.runtime.sendMessage(c.conversation_id, c.token, message(i));
      const t = performance.now() - t0;
      const u = process.cpuUsage(c0);
      (wall.get(i) ?? wall.set(i, []).get(i)!).push(t);
      (cpu.get(i) ?? cpu.set(i, []).get(i)!).push((u.user + u.system) / 1000);
      if (i === MESSAGES) states.add(r.state);
    }
  }
} finally {
  await a.db.close();
  await pg?.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
const at = (m: Map<number, number[]>, i: number) => median(m.get(i) ?? []);
for (const i of [2, 4, 10, 20, 40, 60, 80])
  console.log(
    `message ${String(i).padStart(2)}: wall ${at(wall, i).toFixed(2)} ms, CPU ${at(cpu, i).toFixed(2)} ms (median of ${CONVERSATIONS})`,
  );
console.log(
  `${store === 'pg' ? 'PostgreSQL' : 'SQLite'}: message 80 / message 2 = ${(at(wall, 80) / at(wall, 2)).toFixed(2)} (wall), ${(at(cpu, 80) / at(cpu, 2)).toFixed(2)} (CPU); final states: ${[...states].join(', ')}`,
);

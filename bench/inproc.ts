/**
 * In-process cost of the HTTP benchmark's conversation (create + one read-only turn), without HTTP:
 * the runtime, the store and the offline model alone, sequentially. BENCH_N conversations (default 2000).
 * npx tsx bench/inproc.ts [sqlite|pg]
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble } from '../src/main.js';
import { loadConfig } from '../src/config.js';
import { benchDatabase, header, median, RATES_OFF } from './support/processes.js';

const N = Number(process.env.BENCH_N ?? 2000);
const store = process.argv[2] ?? 'sqlite';
const MESSAGE = 'Hi, my email is marcus@example.com. What is the status of order ORD-9901?';
const dir = mkdtempSync(join(tmpdir(), 'bench-inproc-'));
const pg = store === 'pg' ? await benchDatabase() : null;
const config = loadConfig({ ...RATES_OFF, SUPPORT_DATA_DIR: dir, ...(pg ? { DATABASE_URL: pg.url } : {}) });
const a = await assemble(config, { ownsStore: true });
console.log(header(`npx tsx bench/inproc.ts ${store}`));
const times: number[] = [];
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  for (let i = 0; i < N / 5; i++) {
    const c = await a.runtime.createConversation();
    const r = await a.runtime.sendMessage(c.conversation_id, c.token, MESSAGE);
    if (r.state !== 'order-checked' && i === 0) console.log('state', r.state);
  }
  times.push((performance.now() - t0) / (N / 5));
}
console.log(
  `${store}: ${median(times).toFixed(2)} ms per conversation (median of 5 rounds of ${N / 5}; ${times.map((t) => t.toFixed(2)).join(' ')})`,
);
await a.db.close();
await pg?.cleanup();
rmSync(dir, { recursive: true, force: true });

/**
 * npm run bench:startup — time from `npm start` (on a built tree) to the first healthy
 * GET /api/health, on a fresh data folder and on one that exists, next to the same server started
 * without npm (the bundle, and tsc's unbundled output). Median of BENCH_STARTS (5).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureBuilt, header, median, RATES_OFF, root } from './support/processes.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
let port = 18_900 + Math.floor(Math.random() * 500);

async function once(dataDir: string, command: string[]): Promise<number> {
  const p = port++;
  const t0 = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: {
      ...process.env,
      ...RATES_OFF,
      PORT: String(p),
      HOST: '127.0.0.1',
      SUPPORT_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
    detached: true, // npm's child (node) is in the same process group: stopped together
  });
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${p}/api/health`);
        if (res.ok) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

ensureBuilt();
console.log(header('npm run bench:startup'));
for (const [label, command] of [
  ['npm start', ['npm', 'start', '--silent']],
  ['node dist/server/main.js (the bundle npm start runs)', [process.execPath, 'dist/server/main.js']],
  ['node dist/src/main.js (tsc output, not bundled)', [process.execPath, 'dist/src/main.js']],
] as const) {
  const fresh: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-start-'));
    try {
      fresh.push(await once(dir, [...command]));
      existing.push(await once(dir, [...command]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `${label}: first healthy /api/health after ${median(fresh).toFixed(0)} ms (new data folder), ${median(existing).toFixed(0)} ms (existing) — median of ${STARTS}`,
  );
}

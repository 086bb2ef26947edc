// Counts the src files whose functions ran during the measured turn(s). bench/seed1-counts.ts calls
// takeCoverage() right before and right after the turns, so the process's second coverage file holds
// the turns alone. Usage: rm -rf /tmp/cov && NODE_V8_COVERAGE=/tmp/cov npx tsx bench/seed1-counts.ts
//                         && node bench/files-crossed.mjs /tmp/cov
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const byPid = new Map();
for (const f of readdirSync(dir)) {
  const m = /^coverage-(\d+)-(\d+)-(\d+)\.json$/.exec(f);
  if (!m) continue;
  const list = byPid.get(m[1]) ?? [];
  list.push({ f, at: Number(m[2]), n: Number(m[3]) });
  byPid.set(m[1], list);
}
const [, files] = [...byPid].sort((a, b) => b[1].length - a[1].length)[0];
files.sort((a, b) => a.at - b.at || a.n - b.n);
const turn = JSON.parse(readFileSync(join(dir, files[1].f), 'utf8'));
const crossed = new Set();
for (const s of turn.result) {
  const m = /\/(src\/.*\.ts)$/.exec(s.url);
  if (m && s.functions.some((fn) => fn.ranges[0].count > 0)) crossed.add(m[1]);
}
console.log(`${crossed.size} src files crossed`);
for (const f of [...crossed].sort()) console.log(`  ${f}`);

// Summarises a .cpuprofile (node --cpu-prof): self time by package/file and by function.
// Usage: node bench/support/profile-top.mjs <file.cpuprofile> [top=30]
import { readFileSync } from 'node:fs';
const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas;
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const where = (url) => {
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const s = /\/((?:src|dist\/src|bench|test)\/.*)$/.exec(url);
  return s ? s[1] : url.replace(/^.*\//, '');
};
const byFile = new Map();
const byFn = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  const f = where(n.callFrame.url);
  byFile.set(f, (byFile.get(f) ?? 0) + t);
  const k = `${n.callFrame.functionName || '(anon)'} ${f}:${n.callFrame.lineNumber + 1}`;
  byFn.set(k, (byFn.get(k) ?? 0) + t);
}
const show = (m, label) => {
  console.log(`-- ${label} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
};
show(byFile, 'self time by file/package');
show(byFn, 'self time by function');

// Inclusive time of named functions in a .cpuprofile (samples whose stack contains the function),
// and of source files. Usage: node bench/support/profile-inclusive.mjs <file> name[@file-part] …
import { readFileSync } from 'node:fs';
const [file, ...names] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = p.timeDeltas;
const total = dt.reduce((a, b) => a + b, 0);
const matches = (n, spec) => {
  const [fn, part] = spec.split('@');
  return (fn === '*' || n.callFrame.functionName === fn) && (!part || n.callFrame.url.includes(part));
};
const incl = new Map(names.map((n) => [n, 0]));
for (let i = 0; i < p.samples.length; i++) {
  const seen = new Set();
  for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id);
    for (const spec of names) if (!seen.has(spec) && matches(n, spec)) seen.add(spec);
  }
  for (const s of seen) incl.set(s, incl.get(s) + (dt[i] ?? 0));
}
for (const [k, v] of incl)
  console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);

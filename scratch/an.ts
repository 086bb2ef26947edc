import { winkAnalyser } from '../src/language/analysers/wink.js';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import winkNLP from 'wink-nlp';
const req = createRequire(import.meta.url);
const nlp = winkNLP(req('wink-eng-lite-web-model'), ['sbd', 'pos']);
const its = nlp.its;
const t = 'Hi, my email is marcus@example.com.';
winkAnalyser.analyse(t);
for (let k = 0; k < 3; k++) {
let t0 = performance.now();
for (let i = 0; i < 5000; i++) winkAnalyser.analyse(t);
const a = (performance.now() - t0) / 5000;
t0 = performance.now();
for (let i = 0; i < 5000; i++) nlp.readDoc(t);
const b = (performance.now() - t0) / 5000;
t0 = performance.now();
for (let i = 0; i < 5000; i++) { const d = nlp.readDoc(t); const ss = d.sentences(); for (let j = 0; j < ss.length(); j++) { const s = ss.itemAt(j); const tk = s.tokens(); tk.out(its.value); tk.out(its.type); tk.out(its.pos); } }
const c = (performance.now() - t0) / 5000;
console.log({ analyse: a.toFixed(4), readDoc: b.toFixed(4), readDocOut: c.toFixed(4) });
}

#!/usr/bin/env node
// Builds the chat page and the operator console (src/web) into dist/web with esbuild: hashed,
// minified ES modules sharing one preact chunk, plus manifest.json naming each page's files
// (src/api/web.ts writes the HTML shells from it). Prints each file's size and gzip size and
// fails when the pages' JavaScript together exceeds the budget.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'web');
const assetsDir = join(outDir, 'assets');
const JS_GZIP_BUDGET = 100 * 1024;
const pages = { chat: 'src/web/chat/main.tsx', console: 'src/web/console/main.tsx' };

await rm(outDir, { recursive: true, force: true });
await mkdir(assetsDir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: pages,
  outdir: assetsDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: 'src/web/tsconfig.json',
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
  logLevel: 'warning',
});

const manifest = { pages: {} };
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!output.entryPoint) continue;
  const page = Object.keys(pages).find((name) => pages[name] === output.entryPoint);
  if (!page) continue;
  manifest.pages[page] = {
    js: basename(file),
    css: output.cssBundle ? [basename(output.cssBundle)] : [],
    // Chunks the entry imports statically: preloaded so the browser fetches them in parallel.
    preload: output.imports.filter((i) => i.kind === 'import-statement').map((i) => basename(i.path)),
  };
}
await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const rows = [];
let jsGzip = 0;
for (const file of Object.keys(result.metafile.outputs).sort()) {
  if (file.endsWith('.map')) continue;
  const bytes = await readFile(join(root, file));
  const gzip = gzipSync(bytes, { level: 9 }).length;
  if (file.endsWith('.js')) jsGzip += gzip;
  rows.push([relative(root, join(root, file)), bytes.length, gzip]);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const width = Math.max(...rows.map((r) => r[0].length));
console.log('web bundles (size, gzip):');
for (const [name, size, gzip] of rows)
  console.log(`  ${name.padEnd(width)}  ${kb(size).padStart(9)}  ${kb(gzip).padStart(9)}`);
console.log(`  JavaScript of both pages, gzipped: ${kb(jsGzip)} (budget ${kb(JS_GZIP_BUDGET)})`);
if (jsGzip > JS_GZIP_BUDGET) {
  console.error('web build: over the gzipped JavaScript budget');
  process.exit(1);
}

#!/usr/bin/env node
// Bundles the server (src/main.ts) into dist/server/ with esbuild: one ES module (plus chunks for
// what is imported only when configured: Claude, SMTP, the live inspector, the store not chosen),
// so that `npm start` loads a few files instead of some two thousand (start-up is mostly module
// loading). Packages that find files or native code next to themselves stay outside the bundle.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// BUNDLE_OUTDIR (a folder under dist/, for tests): where to write instead of dist/server
const outdir = join(root, 'dist', process.env.BUNDLE_OUTDIR ?? 'server');
const external = [
  'better-sqlite3', // native addon
  'pino',
  'pino-pretty',
  'thread-stream', // pino transports run files by path in worker threads
  'rate-limiter-flexible', // src/limits requires one of its files by path: one copy of the package
  'wink-eng-lite-web-model', // a 4 MB JSON model: required when first used, parsed as JSON, not compiled as code
];

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // CommonJS packages inside an ES module bundle may still call require()
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  // smaller to read and compile at every start; stack traces map back through the source map
  minify: process.env.BUNDLE_MINIFY !== '0',
  sourcemap: 'linked',
  logLevel: 'warning',
});

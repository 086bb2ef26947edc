#!/usr/bin/env node
// npm start: builds only when dist is older than the sources (scripts/build-if-stale.mjs), then
// runs the bundled server (dist/server/main.js) in this same process.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isStale } from './build-if-stale.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (isStale()) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const { startServer } = await import(pathToFileURL(join(root, 'dist', 'server', 'main.js')).href);
await startServer();

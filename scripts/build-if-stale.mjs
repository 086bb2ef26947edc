#!/usr/bin/env node
// `npm start` on a built tree does not rebuild: builds (npm run build) only when a source file is
// newer than the last successful build, or the build's outputs are missing. The stamp
// dist/.build-stamp carries the time that build started, so an edit made during a build counts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const outputs = [join(root, 'dist', 'server', 'main.js'), join(root, 'dist', 'web', 'manifest.json'), stamp];
const inputs = [
  'src',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build-web.mjs',
  'scripts/bundle-server.mjs',
];

/** The newest modification time under `path` (a file or a folder, recursively). */
function newest(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted file changes its folder's time
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** True when a build output is missing or a source is newer than the last successful build. */
export function isStale() {
  const built = outputs.every((f) => existsSync(f)) ? statSync(stamp).mtimeMs : 0;
  const changed = Math.max(...inputs.map((p) => newest(join(root, p))));
  return built === 0 || changed > built;
}

const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry && (process.argv.includes('--force') || isStale())) {
  const started = new Date();
  const r = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
}

/** `npm run lint` fails on an import cycle, even a type-only one (CI runs the lint on src itself). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const cruise = (target: string, extra: string[] = []) =>
  spawnSync(
    process.execPath,
    [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), target, ...extra],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );

describe('the dependency lint', () => {
  it('fails on a type-only import cycle', () => {
    const r = cruise('test/lint/fixtures/cycle', ['--config', 'test/lint/cycle.cjs']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/no-cycles/);
  });
});

// Fails when a line in src/ is longer than 120 characters (prettier keeps code under it; this also
// catches long strings and comments it does not wrap). Usage: node scripts/line-length.mjs [limit]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const limit = Number(process.argv[2] ?? 120);
const long = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(ts|tsx|mjs|css)$/.test(name))
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.length > limit) long.push(`${path}:${i + 1} (${line.length})`);
        });
  }
}
walk('src');
if (long.length) {
  console.error(`${long.length} line(s) in src longer than ${limit} characters:\n${long.slice(0, 50).join('\n')}`);
  process.exit(1);
}
console.log(`no line in src is longer than ${limit} characters`);

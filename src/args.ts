/**
 * Command-line options for the project's CLIs (`npm run mcp`, `npm run eval`): node:util's
 * parseArgs, except that a string option's value may begin with a dash. parseArgs refuses
 * `--token -Xb3…` as "ambiguous", yet a conversation token is base64url and begins with `-` about
 * one time in 64, and an admin token may be anything. `--name value` is therefore passed on as
 * `--name=value`, which parseArgs takes as it is, unless `value` is itself one of the options.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** argv with each string option's separate value joined to it (`--token -x` → `--token=-x`). */
export function joinOptionValues(argv: readonly string[], options: Options): string[] {
  const byFlag = new Map<string, string>();
  for (const [name, option] of Object.entries(options)) {
    byFlag.set(`--${name}`, name);
    if (option.short) byFlag.set(`-${option.short}`, name);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = byFlag.get(arg);
    const value = argv[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && value !== undefined && !byFlag.has(value)) {
      out.push(`--${name}=${value}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** parseArgs over `config.args` (default: this process's arguments) with string values joined first. */
export function parseCliArgs<T extends ParseArgsConfig & { options: Options }>(config: T) {
  const argv = config.args ?? process.argv.slice(2);
  return parseArgs({ ...config, args: joinOptionValues(argv, config.options) });
}

import { describe, expect, it } from 'vitest';
import { joinOptionValues, parseCliArgs } from '../src/args.js';

const options = {
  conversation: { type: 'string' },
  token: { type: 'string', short: 't' },
  quiet: { type: 'boolean' },
} as const;

describe('command-line options', () => {
  it('takes a token that begins with a dash as the value of --token (parseArgs alone calls it ambiguous)', () => {
    const args = ['--conversation', 'conv_1', '--token', '-Xb3_q', '--quiet'];
    expect(parseCliArgs({ args, options, strict: true }).values).toEqual({
      conversation: 'conv_1',
      token: '-Xb3_q',
      quiet: true,
    });
    expect(parseCliArgs({ args: ['-t', '--x'], options, strict: true }).values).toEqual({ token: '--x' });
  });

  it('leaves joined values, booleans, what follows -- and a missing value as they are', () => {
    expect(joinOptionValues(['--token=-a', '--quiet', '--', '--token', '-b'], options)).toEqual([
      '--token=-a',
      '--quiet',
      '--',
      '--token',
      '-b',
    ]);
    expect(() => parseCliArgs({ args: ['--token'], options, strict: true })).toThrow(/argument missing/);
  });

  it('does not swallow the next option when a value was forgotten', () => {
    expect(joinOptionValues(['--token', '--conversation', 'conv_1'], options)).toEqual([
      '--token',
      '--conversation=conv_1',
    ]);
    expect(() => parseCliArgs({ args: ['--token', '--quiet'], options, strict: true })).toThrow(/ambiguous/);
  });
});

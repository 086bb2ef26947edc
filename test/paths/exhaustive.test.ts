/** Every sequence up to length 3 (PATHS_DEPTH) over the exhaustive alphabet, through the real runtime. */
import { describe, expect, it } from 'vitest';
import { EXHAUSTIVE_ALPHABET, stepNamed } from './alphabet.js';
import { formatCounterexample, newRun, safeStep } from './check.js';
import { exhaustive } from './exhaustive.js';
import { createSut, type Sut } from './sut.js';

const DEPTH = Number(process.env.PATHS_DEPTH ?? 3);

async function dump(sut: Sut): Promise<string> {
  const tables = ['conversations', 'events', 'effects', 'tickets', 'refunds', 'customers', 'orders'];
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = await sut.db.all(`SELECT * FROM ${t} ORDER BY 1`);
  return JSON.stringify(out);
}

describe('tool-ordering paths, exhaustively', () => {
  it(`agrees with the oracle on every sequence up to length ${DEPTH}`, async () => {
    const sut = await createSut();
    const start = await sut.checkpoint();
    const result = await exhaustive(sut, start, EXHAUSTIVE_ALPHABET, DEPTH);
    const total = Array.from({ length: DEPTH }, (_, k) => EXHAUSTIVE_ALPHABET.length ** (k + 1)).reduce((a, b) => a + b, 0);
    if (result.failure) expect.fail(formatCounterexample('shortest failing sequence', result.failure.names, result.failure.problems));
    expect(result.checked).toBe(total);
  }, 180_000);

  it('restores a checkpoint exactly (the search shares prefixes through checkpoints)', async () => {
    const sut = await createSut();
    const run = newRun();
    for (const [i, name] of ['get:own', 'lookup:eligible'].entries()) expect(await safeStep(sut, run, stepNamed(name), i)).toEqual([]);
    const cp = await sut.checkpoint();
    const before = await dump(sut);
    const later = newRun();
    for (const [i, name] of ['refund:eligible=78.22', 'restart', 'lookup:above-limit', 'refund:above-limit'].entries()) await safeStep(sut, later, stepNamed(name), i);
    expect(await dump(sut)).not.toBe(before);
    await sut.restore(cp);
    expect(await dump(sut)).toBe(before);
  });
});

/** Every sequence of up to PATHS_DEPTH (2) steps from each root of each profile's plan, through the real runtime. */
import { describe, expect, it } from 'vitest';
import { stepNamed } from './alphabet.js';
import { formatCounterexample, newRun, safeStep } from './check.js';
import { exhaustive, treeSize } from './exhaustive.js';
import { PLANS } from './plans.js';
import { createSut, type Sut } from './sut.js';

const DEPTH = Number(process.env.PATHS_DEPTH ?? 2);

async function dump(sut: Sut): Promise<string> {
  const tables = ['conversations', 'events', 'effects', 'tickets', 'refunds', 'customers', 'orders'];
  const out: Record<string, unknown[]> = { hours: [sut.hours] };
  for (const t of tables) out[t] = await sut.db.all(`SELECT * FROM ${t} ORDER BY 1`);
  return JSON.stringify(out);
}

describe('tool-ordering paths, exhaustively', () => {
  for (const plan of PLANS) {
    const roots = plan.roots.map((r) => r.name).join(', ');
    const title = `agrees with the oracle on every sequence of ≤ ${DEPTH} steps from ${roots} (${plan.profile})`;
    it(
      title,
      async () => {
        const sut = await createSut(plan.profile);
        const start = await sut.checkpoint();
        const result = await exhaustive(sut, start, plan.alphabet, plan.roots, DEPTH);
        if (result.failure)
          expect.fail(formatCounterexample('shortest failing sequence', result.failure.names, result.failure.problems));
        expect(result.checked).toBe(treeSize(plan.roots.length, plan.alphabet.length, DEPTH));
      },
      180_000,
    );
  }

  it('restores a checkpoint exactly, clock included (the search shares prefixes through checkpoints)', async () => {
    const sut = await createSut('confirm');
    const run = newRun(sut);
    for (const [i, name] of ['get:own', 'lookup:above-limit', 'refund:above-limit', 'msg:yes'].entries())
      expect(await safeStep(sut, run, stepNamed(name), i)).toEqual([]);
    const cp = await sut.checkpoint();
    const before = await dump(sut);
    const later = newRun(sut);
    for (const [i, name] of ['op:expire', 'restart', 'lookup:eligible', 'refund:eligible=78.22', 'msg:yes'].entries())
      await safeStep(sut, later, stepNamed(name), i);
    expect(await dump(sut)).not.toBe(before);
    await sut.restore(cp);
    expect(await dump(sut)).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { secureRandomBytes } from '../src/random.js';

describe('secureRandomBytes', () => {
  it('hands out bytes of the size asked, never the same ones twice, across refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = secureRandomBytes(12);
      expect(b.length).toBe(12);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(2000);
    expect(secureRandomBytes(1000).length).toBe(1000);
  });

  it('gives each caller its own copy (changing one changes nothing else)', () => {
    const a = secureRandomBytes(32);
    const copy = Buffer.from(a);
    a.fill(0);
    const b = secureRandomBytes(32);
    expect(b.equals(Buffer.alloc(32))).toBe(false);
    expect(copy.equals(Buffer.alloc(32))).toBe(false);
  });
});

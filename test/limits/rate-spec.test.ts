import { describe, expect, it } from 'vitest';
import { parseRateSpec } from '../../src/limits/rate-spec.js';

describe('rate specs ("<points>/<window>")', () => {
  it('reads points per window in seconds, minutes, hours or days', () => {
    expect(parseRateSpec('20/60s')).toEqual({ points: 20, durationSeconds: 60 });
    expect(parseRateSpec('5/15m')).toEqual({ points: 5, durationSeconds: 900 });
    expect(parseRateSpec('3/1h')).toEqual({ points: 3, durationSeconds: 3600 });
    expect(parseRateSpec('100/1d')).toEqual({ points: 100, durationSeconds: 86_400 });
    expect(parseRateSpec(' 7 / 30s ')).toEqual({ points: 7, durationSeconds: 30 });
  });

  it('reads off (or 0) as no limit', () => {
    expect(parseRateSpec('off')).toBeNull();
    expect(parseRateSpec('0')).toBeNull();
  });

  it('refuses anything else', () => {
    for (const bad of ['', '20', '20/', '/60s', '20/60', '-1/60s', '1.5/60s', '20/0s', 'ten/60s', '20/60y']) {
      expect(parseRateSpec(bad), bad).toBeUndefined();
    }
  });
});

/** Rate specs as configured: `<points>/<window>`, e.g. `20/60s`, `5/15m`, `3/1h`; `off` or `0` for none. */

export interface RateSpec {
  points: number;
  durationSeconds: number;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** The spec, null for "no limit" (`off`, `0`), undefined when the text is not a spec. */
export function parseRateSpec(text: string): RateSpec | null | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === '0') return null;
  const m = /^(\d+)\s*\/\s*(\d+)\s*([smhd])$/.exec(t);
  if (!m) return undefined;
  const points = Number(m[1]);
  const durationSeconds = Number(m[2]) * (UNIT_SECONDS[m[3] ?? ''] ?? 0);
  if (!Number.isSafeInteger(points) || points < 1 || !(durationSeconds > 0)) return undefined;
  return { points, durationSeconds };
}

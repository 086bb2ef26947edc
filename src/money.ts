/** Money is integer cents inside the system; USD strings and numbers only at the edges. */
export type Cents = number;

/** Parses a USD amount (number or string like "89.99" / "$89.99") to integer cents, or null. */
export function usdToCents(value: number | string): Cents | null {
  const text = typeof value === 'number' ? value.toFixed(4) : value.trim().replace(/^\$/, '');
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  const cents = Math.round(Number(text) * 100);
  return Number.isSafeInteger(cents) ? cents : null;
}

/** 8999 → "$89.99" */
export function formatUsd(cents: Cents): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/** 8999 → 89.99 (for JSON edges that want a number) */
export function centsToUsdNumber(cents: Cents): number {
  return Math.round(cents) / 100;
}

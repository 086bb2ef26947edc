import { afterEach, describe, expect, it } from 'vitest';
import { addressKey, createRateLimits } from '../../src/limits/rate-limits.js';
import { createSqliteDriver } from '../../src/store/sqlite-driver.js';
import { migrate } from '../../src/store/sql-store.js';
import type { SqlDriver } from '../../src/store/sql.js';
import type { Limits } from '../../src/runtime/limits.js';

let db: SqlDriver | null = null;
afterEach(async () => {
  await db?.close();
  db = null;
});

async function limitsWith(specs: Parameters<typeof createRateLimits>[0]['specs']) {
  db = createSqliteDriver(':memory:');
  await migrate(db);
  return createRateLimits({ db, specs });
}

describe('the quotas the runtime and the API consume', () => {
  it('implements the runtime Limits: verify and ticket buckets, with Retry-After in seconds', async () => {
    const limits: Limits = await limitsWith({ verify: { points: 2, durationSeconds: 900 }, ticket: null });
    expect(await limits.consume('verify', 'conv_1')).toEqual({ ok: true });
    expect(await limits.consume('verify', 'conv_1')).toEqual({ ok: true });
    expect(await limits.consume('verify', 'conv_1')).toEqual({ ok: false, retryAfterSeconds: 900 });
    expect(await limits.consume('verify', 'conv_2')).toEqual({ ok: true });
    for (let i = 0; i < 20; i++) expect(await limits.consume('ticket', '203.0.113.9')).toEqual({ ok: true }); // off
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as IPv4', async () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(addressKey('198.51.100.4')).toBe('198.51.100.4');
    expect(addressKey('conv_123')).toBe('conv_123');
    const limits = await limitsWith({ conversation: { points: 1, durationSeconds: 60 } });
    expect(await limits.consume('conversation', '2001:db8:1:2::1')).toEqual({ ok: true });
    expect((await limits.consume('conversation', '2001:db8:1:2::99')).ok).toBe(false);
  });

  it('falls back to in-memory counting when the database fails', async () => {
    const limits = await limitsWith({ message: { points: 2, durationSeconds: 60 } });
    await db?.close();
    expect((await limits.consume('message', 'a')).ok).toBe(true);
    expect((await limits.consume('message', 'a')).ok).toBe(true);
    expect((await limits.consume('message', 'a')).ok).toBe(false);
    db = null;
  });
});

/**
 * Random bytes from the operating system's CSPRNG, fetched 4 KiB at a time (as crypto.randomUUID
 * does with its cache): under load one `crypto.randomBytes` call cost 25–45 µs on the event loop,
 * two of them 3% of a conversation's CPU. Every byte is handed out once; callers get their own copy.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

export function secureRandomBytes(size: number): Buffer {
  if (size > 256) return randomBytes(size);
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size); // nothing handed out stays behind in the pool
  offset += size;
  return bytes;
}

/** The salted hash of a one-time code (I16): the effect stores it, the verify_code tool computes it from what was
 * typed.
 */
import { createHash } from 'node:crypto';

export function hashCode(salt: string, code: string): string {
  return createHash('sha256').update(`${salt}:${code.trim()}`).digest('hex');
}

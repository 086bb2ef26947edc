/** Bearer tokens: parsing the header and comparing secrets without a timing side channel. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from '@hono/zod-openapi';

/** Request headers the API reads; anything else is ignored. */
export const AuthHeadersSchema = z.object({
  authorization: z
    .string()
    .optional()
    .openapi({ description: 'Bearer token: `Bearer <token>`', example: 'Bearer 3q2-7w…' }),
});

/** The token of an `Authorization: Bearer <token>` header, or null when there is none. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality of two secrets (hashing first makes the lengths equal). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

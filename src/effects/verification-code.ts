/**
 * The one-time code effect (I16): a random 6-digit code mailed to the address on file. Only its
 * salted hash leaves this module (in the outcome); the code itself is in the mail and nowhere else.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { hashCode } from './code-hash.js';
import { z } from 'zod';
import { withRetries } from '../retry.js';
import type { VerificationCodeOutcome } from './outcomes.js';
import type { EffectModule } from './types.js';

/** How long a code is valid. */
export const CODE_TTL_MS = 10 * 60_000;

const requestSchema = z.object({
  conversationId: z.string(),
  to: z.string(),
  name: z.string(),
  idempotencyKey: z.string(),
});
type CodeRequest = z.infer<typeof requestSchema>;

export { hashCode } from './code-hash.js';

export const verificationCodeEffect: EffectModule<'verification_code', CodeRequest, VerificationCodeOutcome> = {
  kind: 'verification_code',
  requestSchema,
  request(ctx) {
    const c = ctx.challenge;
    if (!c?.candidate) return null;
    const key = `code:${ctx.conversationId}:${c.sent}`;
    return {
      key,
      request: {
        conversationId: ctx.conversationId,
        to: c.candidate.email,
        name: c.candidate.name,
        idempotencyKey: key,
      },
    };
  },
  async execute(req, deps) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const salt = randomBytes(16).toString('hex');
    const expiresAt = new Date(deps.clock().getTime() + CODE_TTL_MS).toISOString();
    try {
      await withRetries(
        () =>
          deps.backends.mailer.send({
            to: req.to,
            subject: 'Your verification code',
            text:
              `Hello ${req.name.split(' ')[0] ?? ''},\n\nYour verification code is ${code}. ` +
              `It expires in 10 minutes.\n` +
              'If you did not ask for it, you can ignore this email: nobody can use it without your mailbox.\n',
            // a fresh key per attempt: if an attempt is repeated after a crash, the new code is mailed too
            // (only the latest code's hash is recorded, so the customer must get that one)
            idempotencyKey: `${req.idempotencyKey}:${salt.slice(0, 12)}`,
          }),
        deps.retry,
      );
      return { kind: 'verification_code', status: 'done', codeHash: hashCode(salt, code), salt, expiresAt };
    } catch {
      return { kind: 'verification_code', status: 'unknown' };
    }
  },
  status: (o) => (o.status === 'done' ? 'done' : 'failed'),
  outcomeEvent(o) {
    if (o.status === 'done')
      return { type: 'verification.code_sent', codeHash: o.codeHash, salt: o.salt, expiresAt: o.expiresAt };
    return {
      type: 'escalate',
      reason: 'tool_failure',
      priority: 'P2',
      source: 'failure',
      summary: 'The verification code could not be sent after retries.',
      orderId: null,
    };
  },
  notice: () => null,
};

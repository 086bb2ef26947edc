import { z } from 'zod';
import { reject } from '../machines/conversation.rules.js';
import { hashCode } from '../effects/code-hash.js';
import { defineTool } from './types.js';

const input = z.object({
  code: z
    .string()
    .regex(/^\s*\d{6}\s*$/, 'a 6-digit code')
    .describe('The 6-digit code the customer received by email and typed in the conversation'),
});

/** I16: completes verification with the one-time code sent by get_customer. */
export const verifyCodeTool = defineTool({
  name: 'verify_code',
  kind: 'decision',
  sources: ['chat', 'mcp'],
  description:
    'Complete verification with the 6-digit code that get_customer sent to the email on file. In a chat, use only ' +
    'a code the customer typed. Wrong or expired codes are counted; after five, verification locks.',
  input,
  toEvent: (i, ctx, env) => {
    const code = i.code.trim();
    // the salt is the challenge's; without one the hash matches nothing (the rule says why)
    const codeHash = hashCode(ctx.challenge?.salt ?? 'no-challenge', code);
    return { type: 'propose.verify_code', code, codeHash, via: env.via, at: env.now.toISOString() };
  },
  probe: (ctx, env) => [
    {
      type: 'propose.verify_code',
      code: ctx.codesGiven.at(-1) ?? '000000',
      codeHash: 'probe',
      via: env.via,
      at: env.now.toISOString(),
    },
  ],
  visible: (r) => ({ verified: r.verified === true }),
  refresh: null,
  judge: ({ after }, event) => {
    if (after.customer) return null;
    const expired =
      event.type === 'propose.verify_code' && after.challenge?.expiresAt && event.at > after.challenge.expiresAt;
    return expired
      ? reject(
          'CODE_EXPIRED',
          'I16',
          'That code has expired: offer to send a new one (get_customer with the same email).',
        )
      : reject(
          'WRONG_CODE',
          'I16',
          'That code is not right. Ask the customer to check the latest email and try again.',
        );
  },
  describe: ({ after }) => {
    if (after.customer)
      return {
        forModel: { verified: true, name: after.customer.name, account_status: after.customer.status },
        forCustomer: { verified: true },
        isError: false,
        progressed: true,
      };
    const left = Math.max(0, 5 - (after.challenge?.attempts ?? 5));
    const locked = after.verificationLocked;
    return {
      forModel: locked
        ? { verified: false, message: 'Too many wrong codes: verification is locked and a specialist will follow up.' }
        : { verified: false, attempts_left: left, message: 'The code was not accepted.' },
      forCustomer: { verified: false },
      isError: true,
      progressed: false,
    };
  },
});

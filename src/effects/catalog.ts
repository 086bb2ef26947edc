/** The effect modules, by kind (exhaustive: a kind the machine emits without a module does not compile). */
import { refundEffect } from './refund.js';
import { ticketEffect } from './ticket.js';
import type { EffectRegistry } from './types.js';
import { verificationCodeEffect } from './verification-code.js';

export function defaultEffects(): EffectRegistry {
  return { refund: refundEffect, ticket: ticketEffect, verification_code: verificationCodeEffect };
}

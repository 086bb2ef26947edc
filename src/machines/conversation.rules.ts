/**
 * The policy checks behind the machine's guards, each with the invariant it enforces.
 * Guards call these; when the machine refuses a proposal, `explainRejection` says why using the
 * same functions, so the audit log's reason and the guard can never disagree.
 */
import type { ConversationContext } from './conversation.context.js';
import type { EventOf, ProposalEvent } from './conversation.events.js';

/** Internal rejection codes (audit only; never shown to a customer). */
export type RejectionCode =
  | 'NOT_VERIFIED'
  | 'ALREADY_VERIFIED'
  | 'EMAIL_NOT_GIVEN'
  | 'ORDER_NOT_CHECKED'
  | 'OWNERSHIP_MISMATCH'
  | 'INELIGIBLE'
  | 'LIMIT_EXCEEDED'
  | 'AMOUNT_MISMATCH'
  | 'DUPLICATE'
  | 'REFUND_IN_PROGRESS'
  | 'ESCALATED'
  | 'NOT_ALLOWED_NOW'
  | 'INVALID_INPUT'
  | 'UNKNOWN_TOOL';

export interface Rejection {
  code: RejectionCode;
  /** The invariant that refused it (I1…I12). */
  invariant: string;
  /** One sentence the model can act on (never shown to the customer as is). */
  message: string;
}

const reject = (code: RejectionCode, invariant: string, message: string): Rejection => ({ code, invariant, message });

export function isActiveCustomer(ctx: ConversationContext): boolean {
  return ctx.customer !== null && ctx.customer.status === 'active';
}

/** I1/I2/I3/I4/I5/I6: why this refund may not run now, or null when it may. */
export function refundRejection(
  ctx: ConversationContext,
  event: EventOf<'propose.process_refund'>,
): Rejection | null {
  if (ctx.escalation) return reject('ESCALATED', 'I6', 'This conversation has been handed to a human; no further refunds can be made here. Reply to the customer only.');
  if (!isActiveCustomer(ctx)) return reject('NOT_VERIFIED', 'I1', 'Verify the customer with get_customer first.');
  if (ctx.pendingRefund) return reject('REFUND_IN_PROGRESS', 'I4', 'A refund is already being processed in this conversation; wait for its outcome.');
  const facts = ctx.orders[event.orderId];
  if (!facts) return reject('ORDER_NOT_CHECKED', 'I2', 'Look up that order with lookup_order in this conversation before refunding it.');
  if (!facts.owned) return reject('OWNERSHIP_MISMATCH', 'I5', 'That order is not on this customer\'s account; it cannot be refunded.');
  if (facts.refunded) return reject('DUPLICATE', 'I4', 'That order has already been refunded; do not refund it again.');
  if (!facts.eligible) return reject('INELIGIBLE', 'I2', 'That order is not eligible for a refund under the policy; explain why to the customer.');
  if (facts.needsApproval || facts.refundableCents > ctx.refundLimitCents)
    return reject('LIMIT_EXCEEDED', 'I3', 'This refund needs supervisor approval; it has been escalated to a human.');
  if (event.amountCents !== null && event.amountCents !== facts.refundableCents)
    return reject('AMOUNT_MISMATCH', 'I3', 'The refund amount is decided by the system: propose process_refund without an amount (or with the order\'s refundable amount).');
  return null;
}

export function lookupRejection(ctx: ConversationContext): Rejection | null {
  if (ctx.escalation) return reject('ESCALATED', 'I6', 'This conversation has been handed to a human; reply to the customer only.');
  if (!isActiveCustomer(ctx)) return reject('NOT_VERIFIED', 'I1', 'Verify the customer with get_customer (their email) before looking up orders.');
  if (ctx.pendingRefund) return reject('REFUND_IN_PROGRESS', 'I4', 'A refund is being processed; wait for its outcome.');
  return null;
}

export function getCustomerRejection(ctx: ConversationContext, email: string): Rejection | null {
  if (ctx.escalation) return reject('ESCALATED', 'I6', 'This conversation has been handed to a human; reply to the customer only.');
  if (ctx.customer) return reject('ALREADY_VERIFIED', 'I1', 'The customer is already verified in this conversation; one customer per conversation.');
  if (!ctx.emailsGiven.includes(email.trim().toLowerCase()))
    return reject('EMAIL_NOT_GIVEN', 'I1', 'Verify only an email address the customer wrote in this conversation; ask them for it.');
  return null;
}

export function escalateRejection(ctx: ConversationContext): Rejection | null {
  if (ctx.escalation) return reject('ESCALATED', 'I6', 'A ticket is already open for this conversation; tell the customer a human will follow up.');
  return null;
}

/** Why the machine refused a proposal (called only after `snapshot.can(event)` was false). */
export function explainRejection(ctx: ConversationContext, event: ProposalEvent): Rejection {
  const found = (() => {
    switch (event.type) {
      case 'propose.get_customer':
        return getCustomerRejection(ctx, event.email);
      case 'propose.lookup_order':
        return lookupRejection(ctx);
      case 'propose.process_refund':
        return refundRejection(ctx, event);
      case 'propose.escalate':
        return escalateRejection(ctx);
    }
  })();
  return found ?? reject('NOT_ALLOWED_NOW', 'I2', 'That action is not allowed in the current state of the conversation.');
}

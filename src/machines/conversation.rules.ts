/**
 * The policy checks behind the machine's guards, each with the invariant it enforces, in two
 * exhaustive tables: one refusal rule per proposal type and one per operator event type. A new
 * proposal or operator event without a rule does not compile. Guards call these rules; when the
 * machine refuses an event, the same rule says why, so the audit log's reason and the guard can
 * never disagree (the path suite checks that every refusal has a rule-given reason).
 */
import type { ConversationContext } from './conversation.context.js';
import type { EventOf, OperatorEvent, OperatorEventType, ProposalEvent, ProposalType } from './conversation.events.js';

/** Internal rejection codes (audit only; never shown to a customer). */
export type RejectionCode =
  | 'NOT_VERIFIED'
  | 'ALREADY_VERIFIED'
  | 'EMAIL_NOT_GIVEN'
  | 'VERIFICATION_LOCKED'
  | 'NO_CODE_SENT'
  | 'CODE_NOT_GIVEN'
  | 'TOO_MANY_CODES'
  | 'WRONG_CODE'
  | 'CODE_EXPIRED'
  | 'ORDER_NOT_CHECKED'
  | 'OWNERSHIP_MISMATCH'
  | 'INELIGIBLE'
  | 'AMOUNT_MISMATCH'
  | 'DUPLICATE'
  | 'REFUND_IN_PROGRESS'
  | 'OFFER_PENDING'
  | 'APPROVAL_PENDING'
  | 'NO_OFFER'
  | 'OFFER_MISMATCH'
  | 'NOT_THE_CUSTOMER'
  | 'ESCALATED'
  | 'TAKEN_OVER'
  | 'NOT_SUPERVISOR'
  | 'NO_APPROVAL'
  | 'REQUEST_MISMATCH'
  | 'APPROVAL_EXPIRED'
  | 'NOT_TAKEN_OVER'
  | 'ALREADY_TAKEN_OVER'
  | 'MONEY_IN_FLIGHT'
  | 'NOT_ALLOWED_NOW'
  | 'INVALID_INPUT'
  | 'UNKNOWN_TOOL'
  | 'TOO_MANY_PROPOSALS'
  | 'REPEATED_PROPOSAL';

export interface Rejection {
  code: RejectionCode;
  /** The invariant that refused it (I1…I16). */
  invariant: string;
  /** One sentence the model (or operator) can act on (never shown to the customer as is). */
  message: string;
}

export const reject = (code: RejectionCode, invariant: string, message: string): Rejection => ({
  code,
  invariant,
  message,
});

/** Codes a conversation may be asked to send before it locks (I16). */
export const MAX_CODES_SENT = 3;

export function isActiveCustomer(ctx: ConversationContext): boolean {
  return ctx.customer !== null && ctx.customer.status === 'active';
}

const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** What blocks every autonomous action: a person in charge (I15), an open escalation (I6). */
function autonomyRejection(ctx: ConversationContext): Rejection | null {
  if (ctx.takeover)
    return reject('TAKEN_OVER', 'I15', 'A person from the support team is handling this conversation; do nothing.');
  if (ctx.escalation)
    return reject(
      'ESCALATED',
      'I6',
      'This conversation has been handed to a human; no further actions can be taken here. Reply to the customer only.',
    );
  return null;
}

function refundRejection(ctx: ConversationContext, event: EventOf<'propose.process_refund'>): Rejection | null {
  if (!isActiveCustomer(ctx)) return reject('NOT_VERIFIED', 'I1', 'Verify the customer with get_customer first.');
  if (ctx.pendingRefund)
    return reject('REFUND_IN_PROGRESS', 'I4', 'A refund is already being processed; wait for its outcome.');
  if (ctx.offer)
    return ctx.offer.orderId === event.orderId
      ? reject('OFFER_PENDING', 'I13', 'This refund is already offered; the customer must answer yes or no first.')
      : reject('OFFER_PENDING', 'I13', 'Another refund offer is waiting for the customer; one offer at a time.');
  if (ctx.approval)
    return reject('APPROVAL_PENDING', 'I14', 'A refund is waiting for a supervisor; one refund decision at a time.');
  const facts = ctx.orders[event.orderId];
  if (!facts)
    return reject('ORDER_NOT_CHECKED', 'I2', 'Look up that order with lookup_order in this conversation first.');
  if (!facts.owned)
    return reject('OWNERSHIP_MISMATCH', 'I5', "That order is not on this customer's account; it cannot be refunded.");
  if (facts.refunded) return reject('DUPLICATE', 'I4', 'That order has already been refunded; do not refund it again.');
  if (!facts.eligible)
    return reject('INELIGIBLE', 'I2', 'That order is not eligible for a refund under the policy; explain why.');
  const mismatch = event.amountCents !== null && event.amountCents !== facts.refundableCents;
  if (mismatch || event.terms.amountCents !== facts.refundableCents)
    return reject(
      'AMOUNT_MISMATCH',
      'I3',
      'The refund amount is decided by the system: propose process_refund without an amount.',
    );
  return null;
}

/** One refusal rule per proposal type (exhaustive). Null means the policy allows it now. */
export const proposalRules: {
  [T in ProposalType]: (ctx: ConversationContext, event: EventOf<T>) => Rejection | null;
} = {
  'propose.get_customer': (ctx, event) => {
    const blocked = autonomyRejection(ctx);
    if (blocked) return blocked;
    if (ctx.customer)
      return reject('ALREADY_VERIFIED', 'I1', 'The customer is already verified here; one customer per conversation.');
    if (ctx.verificationLocked)
      return reject('VERIFICATION_LOCKED', 'I16', 'Verification is locked after too many wrong codes.');
    if (event.via === 'chat' && !ctx.emailsGiven.includes(normaliseEmail(event.email)))
      return reject(
        'EMAIL_NOT_GIVEN',
        'I1',
        'Verify only an email address the customer gave as their own in this conversation; ask them for it.',
      );
    if (ctx.challenge && ctx.challenge.sent >= MAX_CODES_SENT)
      return reject('TOO_MANY_CODES', 'I16', 'Enough codes were sent; ask the customer for the latest one.');
    return null;
  },
  'propose.verify_code': (ctx, event) => {
    const blocked = autonomyRejection(ctx);
    if (blocked) return blocked;
    if (ctx.customer) return reject('ALREADY_VERIFIED', 'I1', 'The customer is already verified.');
    if (ctx.verificationLocked)
      return reject('VERIFICATION_LOCKED', 'I16', 'Verification is locked after too many wrong codes.');
    if (!ctx.challenge)
      return reject('NO_CODE_SENT', 'I16', 'No code was sent yet: verify the email with get_customer first.');
    if (event.via === 'chat' && !ctx.codesGiven.includes(event.code))
      return reject('CODE_NOT_GIVEN', 'I16', 'Use only a code the customer typed in this conversation.');
    return null;
  },
  'propose.lookup_order': (ctx) => {
    const blocked = autonomyRejection(ctx);
    if (blocked) return blocked;
    if (!isActiveCustomer(ctx))
      return ctx.challenge
        ? reject('NOT_VERIFIED', 'I16', 'The customer must give the code sent to their email first.')
        : reject('NOT_VERIFIED', 'I1', 'Verify the customer with get_customer (their email) before looking up orders.');
    if (ctx.pendingRefund) return reject('REFUND_IN_PROGRESS', 'I4', 'A refund is being processed; wait for it.');
    return null;
  },
  'propose.process_refund': (ctx, event) => autonomyRejection(ctx) ?? refundRejection(ctx, event),
  'propose.escalate': (ctx) => {
    if (ctx.takeover) return autonomyRejection(ctx);
    if (ctx.escalation)
      return reject('ESCALATED', 'I6', 'A ticket is already open here; tell the customer a human will follow up.');
    return null;
  },
  'propose.confirm_refund': (ctx, event) => {
    const blocked = autonomyRejection(ctx);
    if (blocked) return blocked;
    if (event.via !== 'mcp')
      return reject('NOT_THE_CUSTOMER', 'I13', 'Only the customer can confirm a refund, in their own words.');
    if (!ctx.offer) return reject('NO_OFFER', 'I13', 'There is no refund offer waiting for confirmation.');
    if (ctx.offer.offerId !== event.offerId)
      return reject('OFFER_MISMATCH', 'I13', 'That is not the open offer; confirm only the offer shown.');
    return null;
  },
};

function approvalDecisionRejection(
  ctx: ConversationContext,
  event: EventOf<'operator.approve'> | EventOf<'operator.deny'>,
): Rejection | null {
  if (event.role !== 'supervisor') return reject('NOT_SUPERVISOR', 'I14', 'Only a supervisor can decide approvals.');
  if (!ctx.approval) return reject('NO_APPROVAL', 'I14', 'No approval request is open in this conversation.');
  if (ctx.approval.requestId !== event.requestId || ctx.approval.digest !== event.digest)
    return reject('REQUEST_MISMATCH', 'I14', 'That request id or digest does not match the open approval request.');
  if (event.type === 'operator.approve') {
    if (Date.parse(event.at) > Date.parse(ctx.approval.deadline))
      return reject('APPROVAL_EXPIRED', 'I14', 'The approval request expired; it stays with the team.');
    if (ctx.orders[ctx.approval.orderId]?.refunded)
      return reject('DUPLICATE', 'I4', 'That order has already been refunded.');
    if (ctx.pendingRefund) return reject('MONEY_IN_FLIGHT', 'I4', 'A refund is already being processed here.');
  }
  return null;
}

/** One rule per operator event type (exhaustive): why the machine refuses it, or null. */
export const operatorRules: {
  [T in OperatorEventType]: (ctx: ConversationContext, event: EventOf<T>) => Rejection | null;
} = {
  'operator.approve': (ctx, event) => approvalDecisionRejection(ctx, event),
  'operator.deny': (ctx, event) => approvalDecisionRejection(ctx, event),
  'operator.takeover': (ctx) =>
    ctx.takeover
      ? reject('ALREADY_TAKEN_OVER', 'I15', `${ctx.takeover.operator} is already handling this conversation.`)
      : null,
  'operator.reply': (ctx) =>
    ctx.takeover ? null : reject('NOT_TAKEN_OVER', 'I15', 'Take the conversation over before replying.'),
  'operator.handback': (ctx) =>
    ctx.takeover ? null : reject('NOT_TAKEN_OVER', 'I15', 'The conversation is not taken over.'),
  'operator.resolve': (ctx) =>
    ctx.pendingRefund
      ? reject('MONEY_IN_FLIGHT', 'I8', 'A refund is still being confirmed; resolve it once its outcome is known.')
      : null,
};

const NOT_NOW = reject('NOT_ALLOWED_NOW', 'I11', 'That action is not allowed in the current state.');

/** Why the machine refused a proposal (called only after `snapshot.can(event)` was false). */
export function explainProposal(ctx: ConversationContext, event: ProposalEvent): Rejection {
  const rule = proposalRules[event.type] as (c: ConversationContext, e: ProposalEvent) => Rejection | null;
  return rule(ctx, event) ?? NOT_NOW;
}

/** Why the machine refused an operator event. */
export function explainOperator(ctx: ConversationContext, event: OperatorEvent): Rejection {
  const rule = operatorRules[event.type] as (c: ConversationContext, e: OperatorEvent) => Rejection | null;
  return rule(ctx, event) ?? NOT_NOW;
}

/** True when the proposal's rule allows it (what the machine's guards call). */
export function proposalAllowed(ctx: ConversationContext, event: ProposalEvent): boolean {
  const rule = proposalRules[event.type] as (c: ConversationContext, e: ProposalEvent) => Rejection | null;
  return rule(ctx, event) === null;
}

export function operatorAllowed(ctx: ConversationContext, event: OperatorEvent): boolean {
  const rule = operatorRules[event.type] as (c: ConversationContext, e: OperatorEvent) => Rejection | null;
  return rule(ctx, event) === null;
}

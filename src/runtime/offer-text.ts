/**
 * What code (never the model) tells the customer about money: the offer to confirm, and what became
 * of it. Built from the machine's context, so the order id and the amount are exact (I13).
 */
import type { ApprovalRequest, Offer } from '../machines/conversation.context.js';
import { formatUsd } from '../money.js';
import { expectedWait } from './prompt.js';

export function offerText(offer: Offer): string {
  const amount = formatUsd(offer.amountCents);
  if (offer.needsApproval)
    return (
      `A refund of ${amount} for order ${offer.orderId}, back to your original payment method, needs a specialist's ` +
      'approval. Shall I ask for it? Please answer yes or no.'
    );
  return (
    `I can refund ${amount} for order ${offer.orderId} to your original payment ` +
    `method. Shall I go ahead? Please answer yes or no.`
  );
}

export function refundDoneText(orderId: string, amountCents: number, refundId: string): string {
  return (
    `Done: I've refunded ${formatUsd(amountCents)} for order ${orderId} to your original payment method ` +
    `(reference ${refundId}). It usually shows within 5-10 business days.`
  );
}

export function approvalRequestedText(approval: ApprovalRequest): string {
  const ref = approval.ticketId ? ` (reference ${approval.ticketId})` : '';
  return (
    `Thank you. I've passed the refund of ${formatUsd(approval.amountCents)} ` +
    `for order ${approval.orderId} to a specialist ` +
    `for approval${ref}; you'll hear back within ${expectedWait('P2')}. You don't need to confirm it again.`
  );
}

export function declinedText(offer: Offer): string {
  return `Okay, I haven't refunded order ${offer.orderId}.`;
}

export function approvalPendingText(approval: ApprovalRequest): string {
  return (
    `A specialist is reviewing the refund for order ${approval.orderId}; I'll ` +
    `let you know here as soon as they decide.`
  );
}

export function approvedNotice(orderId: string, amountCents: number, refundId: string): string {
  return `Good news: a specialist approved your refund. ${refundDoneText(orderId, amountCents, refundId)}`;
}

export function deniedNotice(orderId: string, note: string): string {
  const why = note.trim() ? ` ${note.trim().replace(/([^.!?])$/, '$1.')}` : '';
  return `A specialist reviewed your refund request for order ${orderId} and couldn't approve it.${why}`;
}

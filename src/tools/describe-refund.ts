/** How tools that can move money say what happened (process_refund, confirm_refund). */
import { formatUsd } from '../money.js';
import type { AcceptedProposal, Described } from './types.js';

const WAITS: Record<string, string> = { P1: 'about 2 minutes', P2: 'about 10 minutes', P3: 'about 25 minutes' };

export function describeRefundStep({ after, outcomes }: AcceptedProposal): Described {
  const refund = outcomes.find((o) => o.kind === 'refund');
  if (refund?.status === 'done') {
    const r = {
      refund_id: refund.refundId,
      status: 'processed',
      amount: formatUsd(refund.amountCents),
      processed_at: refund.processedAt,
    };
    return { forModel: r, forCustomer: r, isError: false, progressed: true };
  }
  if (refund?.status === 'failed')
    return {
      forModel: {
        status: 'declined',
        message: 'The payment provider declined the refund; a human agent will follow up.',
      },
      forCustomer: { status: 'declined' },
      isError: true,
      progressed: false,
    };
  if (refund?.status === 'unknown' || after.pendingRefund)
    return {
      forModel: {
        status: 'confirming',
        message:
          'The refund was submitted and is being confirmed with the payment provider. Say it is being confirmed.',
      },
      forCustomer: { status: 'confirming' },
      isError: false,
      progressed: true,
    };
  if (after.offer) {
    const o = after.offer;
    return {
      forModel: {
        status: 'awaiting_confirmation',
        order_id: o.orderId,
        amount: formatUsd(o.amountCents),
        message:
          'Nothing is refunded yet. The system shows the customer this exact offer ' +
          'and asks them to answer yes or no; ' +
          'their answer decides it. Do not repeat the offer or say the refund is done.',
      },
      forCustomer: { status: 'awaiting_confirmation', order_id: o.orderId, amount: formatUsd(o.amountCents) },
      isError: false,
      progressed: true,
    };
  }
  if (after.approval) {
    const a = after.approval;
    return {
      forModel: {
        status: 'awaiting_approval',
        order_id: a.orderId,
        message:
          `A supervisor must approve this refund; a specialist reviews it within ${WAITS.P2}. ` +
          `Nothing is refunded yet.`,
      },
      forCustomer: { status: 'awaiting_approval', order_id: a.orderId },
      isError: false,
      progressed: true,
    };
  }
  return { forModel: { status: 'done' }, forCustomer: { status: 'done' }, isError: false, progressed: false };
}

export const expectedWait = (priority: string) => WAITS[priority] ?? 'shortly';

import { z } from 'zod';
import { REFUND_REASONS } from '../machines/conversation.context.js';
import { usdToCents } from '../money.js';
import { normaliseOrderId } from './lookup-order.js';
import { defineTool } from './types.js';

const input = z.object({
  order_id: z.string().min(1).max(64).describe('The order to refund; it must have been looked up in this conversation'),
  reason: z.enum(REFUND_REASONS).describe('Why, from the customer\'s words: "arrived broken" = damaged, "never arrived" = not_received'),
  amount: z
    .union([z.number(), z.string()])
    .optional()
    .describe('Optional. The system decides the amount (the refundable amount of the order); any other amount is refused.'),
});

export const processRefundTool = defineTool({
  name: 'process_refund',
  kind: 'write',
  description:
    'Refund an order in full. Irreversible. Allowed only for an order of the verified customer that lookup_order showed as refundable. ' +
    'The system decides the amount and makes sure an order is never refunded twice. If the order needs approval, the system escalates it instead.',
  input,
  toEvent(i) {
    let amountCents: number | null = null;
    if (i.amount !== undefined) {
      amountCents = usdToCents(i.amount);
      if (amountCents === null) {
        return { code: 'INVALID_INPUT', invariant: 'I3', message: 'amount must be a USD amount; better, omit it: the system decides the amount.' };
      }
    }
    return { type: 'propose.process_refund', orderId: normaliseOrderId(i.order_id), reason: i.reason, amountCents };
  },
});

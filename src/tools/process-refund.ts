import { z } from 'zod';
import { REFUND_DESTINATION, REFUND_REASONS } from '../machines/conversation.context.js';
import type { RefundTerms } from '../machines/conversation.events.js';
import { reject } from '../machines/conversation.rules.js';
import { usdToCents } from '../money.js';
import { describeRefundStep } from './describe-refund.js';
import { readOrder } from './lookup-order.js';
import { normaliseOrderId } from './order-ids.js';
import { defineTool, type ToolEnv } from './types.js';

const input = z.object({
  order_id: z.string().min(1).max(64).describe('The order to refund; it must have been looked up in this conversation'),
  reason: z
    .enum(REFUND_REASONS)
    .describe('Why, from the customer\'s words: "arrived broken" = damaged, "never arrived" = not_received'),
  amount: z
    .union([z.number(), z.string()])
    .optional()
    .describe('Optional. The system decides the amount (the refundable amount of the order); any other is refused.'),
});

/** I13: the exact refund an offer stands for, with its digest (computed here, compared by the machine). */
export function refundTerms(
  conversationId: string,
  orderId: string,
  amountCents: number,
  reason: string,
  env: ToolEnv,
): RefundTerms {
  return {
    offerId: env.newId('offer'),
    digest: env.digest(conversationId, orderId, String(amountCents), REFUND_DESTINATION, reason),
    amountCents,
    destination: REFUND_DESTINATION,
  };
}

export const processRefundTool = defineTool({
  name: 'process_refund',
  kind: 'decision',
  sources: ['chat', 'mcp'],
  description:
    'Refund an order in full, to the original payment method. Allowed only for an order of the verified customer ' +
    'that lookup_order showed as refundable. The system decides the amount, shows the customer the exact offer and ' +
    'refunds only after they say yes; an order is never refunded twice; refunds ' +
    'that need a supervisor are sent for approval.',
  input,
  toEvent(i, ctx, env) {
    let amountCents: number | null = null;
    if (i.amount !== undefined) {
      amountCents = usdToCents(i.amount);
      if (amountCents === null)
        return reject(
          'INVALID_INPUT',
          'I3',
          'amount must be a USD amount; better, omit it: the system decides the amount.',
        );
    }
    const orderId = normaliseOrderId(i.order_id);
    const facts = ctx.orders[orderId];
    const terms = refundTerms(ctx.conversationId, orderId, facts?.refundableCents ?? 0, i.reason, env);
    return { type: 'propose.process_refund', orderId, reason: i.reason, amountCents, terms, at: env.now.toISOString() };
  },
  probe: (ctx, env) =>
    Object.values(ctx.orders).map((o) => ({
      type: 'propose.process_refund' as const,
      orderId: o.orderId,
      reason: 'damaged' as const,
      amountCents: null,
      terms: { offerId: 'probe', digest: 'probe', amountCents: o.refundableCents, destination: REFUND_DESTINATION },
      at: env.now.toISOString(),
    })),
  visible: (r) => r,
  judge: null,
  // facts from lookup may be stale (the clock, the policy or the order moved on): re-check at refund time
  async refresh(event, ctx, deps) {
    if (event.type !== 'propose.process_refund') return 'unchanged';
    const known = ctx.orders[event.orderId];
    if (!known?.owned || known.refunded || ctx.escalation || ctx.takeover) return 'unchanged';
    const read = await readOrder(event.orderId, ctx.customer?.customerId ?? null, deps);
    if (read.fact.type !== 'order.checked') return 'unavailable';
    const f = read.fact.facts;
    const same =
      f.owned === known.owned &&
      f.eligible === known.eligible &&
      f.needsApproval === known.needsApproval &&
      f.refunded === known.refunded &&
      f.refundableCents === known.refundableCents &&
      f.ineligibleCode === known.ineligibleCode;
    return same ? 'unchanged' : { fact: read.fact };
  },
  describe: (accepted) => describeRefundStep(accepted),
});

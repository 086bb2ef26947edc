import { z } from 'zod';
import { assessRefund, explainIneligible } from '../policy.js';
import { formatUsd } from '../money.js';
import { defineTool } from './types.js';

const input = z.object({
  order_id: z.string().min(1).max(64).describe('The order id the customer gave, e.g. ORD-8842'),
  customer_id: z
    .string()
    .max(64)
    .optional()
    .describe('Not needed: the system uses the verified customer. If sent, it must equal the verified customer.'),
});

export const normaliseOrderId = (id: string) => id.trim().toUpperCase();

export const lookupOrderTool = defineTool({
  name: 'lookup_order',
  kind: 'read',
  description:
    "Look up one of the verified customer's orders: status, amount, dates and whether it can be refunded under the policy (and if not, why, in words you can tell the customer). " +
    'Needs a verified customer. Orders of other customers are never shown.',
  input,
  toEvent(i, ctx) {
    if (i.customer_id !== undefined && i.customer_id !== ctx.customer?.customerId) {
      return {
        code: 'INVALID_INPUT',
        invariant: 'I5',
        message: 'Do not pass customer_id: the system uses the verified customer.',
      };
    }
    return { type: 'propose.lookup_order', orderId: normaliseOrderId(i.order_id) };
  },
  async run(i, ctx, deps) {
    const orderId = normaliseOrderId(i.order_id);
    const order = await deps.backends.orders.getOrder(orderId);
    if (!order) {
      return {
        fact: { type: 'order.not_found', orderId },
        result: { found: false, message: `No order ${orderId} was found. Ask the customer to check the order id.` },
        isError: true,
        progressed: false,
      };
    }
    const owned = order.customerId === ctx.customer?.customerId;
    if (!owned) {
      // I5: nothing of the order goes to the model; what could identify it is kept for the sanitiser's deny-list
      const owner = await deps.backends.crm.getCustomer(order.customerId);
      const foreignTerms = [order.description, formatUsd(order.amountCents), (order.amountCents / 100).toFixed(2)];
      if (owner) foreignTerms.push(owner.name, owner.email, ...owner.name.split(' ').filter((w) => w.length >= 4));
      return {
        foreignTerms,
        fact: { type: 'order.checked', facts: { orderId, owned: false, eligible: false, ineligibleCode: null, refundableCents: 0, needsApproval: false, refunded: false, refundId: null } },
        result: {
          found: false,
          message: "This order is not on the verified customer's account. Share nothing about it; the conversation has been passed to the security team.",
        },
        isError: true,
        progressed: true,
      };
    }
    const existing = await deps.backends.payments.findRefundByOrder(orderId);
    const effect = await deps.refundEffect(orderId);
    const refunded = existing !== null || effect === 'done';
    const assessed = assessRefund(
      { status: order.status, kind: order.kind, amountCents: order.amountCents, deliveredAt: order.deliveredAt, refunded },
      deps.policy,
      deps.clock(),
    );
    // a refund in flight or declined elsewhere blocks this one (its idempotency key is taken) and is said as it is
    const blockedBy = refunded ? null : effect === 'pending' ? ('REFUND_IN_PROGRESS' as const) : effect === 'failed' ? ('REFUND_DECLINED' as const) : null;
    const a = blockedBy ? { eligible: false, ineligibleCode: blockedBy, refundableCents: 0, needsApproval: false } : assessed;
    return {
      fact: {
        type: 'order.checked',
        facts: {
          orderId,
          owned: true,
          eligible: a.eligible,
          ineligibleCode: a.ineligibleCode,
          refundableCents: a.refundableCents,
          needsApproval: a.needsApproval,
          refunded,
          refundId: existing?.refundId ?? null,
        },
      },
      result: {
        order_id: orderId,
        description: order.description,
        amount: formatUsd(order.amountCents),
        order_date: order.orderedAt.slice(0, 10),
        delivered_date: order.deliveredAt?.slice(0, 10) ?? null,
        status: order.status,
        subscription: order.kind === 'subscription',
        refund_eligible: a.eligible && !a.needsApproval,
        ...(a.needsApproval ? { refund_note: 'A refund of this order needs supervisor approval: propose process_refund and the system escalates it.' } : {}),
        ...(a.ineligibleCode ? { refund_note: `Not refundable: ${explainIneligible(a.ineligibleCode, deps.policy)}.` } : {}),
      },
      progressed: true,
    };
  },
});

import { z } from 'zod';
import { reject } from '../machines/conversation.rules.js';
import { formatUsd } from '../money.js';
import { assessRefund, explainIneligible } from '../policy.js';
import { normaliseOrderId, PROBE_ORDER } from './order-ids.js';
import { defineTool, type ReadOutcome, type ToolDeps } from './types.js';

const input = z.object({
  order_id: z.string().min(1).max(64).describe('The order id the customer gave, e.g. ORD-8842'),
  customer_id: z
    .string()
    .max(64)
    .optional()
    .describe('Not needed: the system uses the verified customer. If sent, it must equal the verified customer.'),
});

/** The same answer for an unknown order and another customer's order: existence is not revealed (I5). */
const notFound = (orderId: string) => ({
  found: false,
  message: `No order ${orderId} was found on this account. Ask the customer to check the order id.`,
});

/** Reads an order of the verified customer and assesses it against the policy now (I2, I3, I5). */
export async function readOrder(orderId: string, customerId: string | null, deps: ToolDeps): Promise<ReadOutcome> {
  const order = await deps.backends.orders.getOrder(orderId);
  if (!order)
    return { fact: { type: 'order.not_found', orderId }, result: notFound(orderId), isError: true, progressed: false };
  if (order.customerId !== customerId) {
    // I5: nothing of the order goes to the model; what could identify it is kept for the sanitiser's deny-list
    const owner = await deps.backends.crm.getCustomer(order.customerId);
    const foreignTerms = [order.description, formatUsd(order.amountCents), (order.amountCents / 100).toFixed(2)];
    if (owner) foreignTerms.push(owner.name, owner.email, ...owner.name.split(' ').filter((w) => w.length >= 4));
    const facts = {
      orderId,
      owned: false,
      eligible: false,
      ineligibleCode: null,
      refundableCents: 0,
      needsApproval: false,
      refunded: false,
      refundId: null,
    };
    return {
      foreignTerms,
      fact: { type: 'order.checked', facts },
      result: notFound(orderId),
      isError: true,
      progressed: true,
    };
  }
  const existing = await deps.backends.payments.findRefundByOrder(orderId);
  const effect = await deps.refundEffect(orderId);
  const refunded = existing !== null || effect === 'done';
  const assessed = assessRefund(
    {
      status: order.status,
      kind: order.kind,
      amountCents: order.amountCents,
      deliveredAt: order.deliveredAt,
      refunded,
    },
    deps.policy,
    deps.clock(),
  );
  // a refund in flight or declined elsewhere blocks this one (its idempotency key is taken) and is said as it is
  const blockedBy = refunded
    ? null
    : effect === 'pending'
      ? ('REFUND_IN_PROGRESS' as const)
      : effect === 'failed'
        ? ('REFUND_DECLINED' as const)
        : null;
  const a = blockedBy
    ? { eligible: false, ineligibleCode: blockedBy, refundableCents: 0, needsApproval: false }
    : assessed;
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
      refund_eligible: a.eligible,
      ...(a.needsApproval
        ? { refund_note: 'A refund of this order needs a supervisor; propose it and the system asks for approval.' }
        : {}),
      ...(a.ineligibleCode
        ? { refund_note: `Not refundable: ${explainIneligible(a.ineligibleCode, deps.policy)}.` }
        : {}),
    },
    progressed: true,
  };
}

export const lookupOrderTool = defineTool({
  name: 'lookup_order',
  kind: 'read',
  sources: ['chat', 'mcp'],
  description:
    "Look up one of the verified customer's orders: status, amount, dates and whether it can be refunded under the " +
    'policy (and if not, why, in words you can tell the customer). Needs a verified customer. Orders of other ' +
    'customers are never shown.',
  input,
  toEvent(i, ctx) {
    if (i.customer_id !== undefined && i.customer_id !== ctx.customer?.customerId)
      return reject('INVALID_INPUT', 'I5', 'Do not pass customer_id: the system uses the verified customer.');
    return { type: 'propose.lookup_order', orderId: normaliseOrderId(i.order_id) };
  },
  probe: () => [{ type: 'propose.lookup_order', orderId: PROBE_ORDER }],
  visible: (r) => r,
  judge: null,
  run: (i, ctx, deps) => readOrder(normaliseOrderId(i.order_id), ctx.customer?.customerId ?? null, deps),
});

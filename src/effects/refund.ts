/** The refund effect: `context.pendingRefund` paid once per order (`refund:<order>`), outcome unknown until known
 * (I4, I8).
 */
import { z } from 'zod';
import { PaymentDeclinedError, type RefundRequest } from '../backends/types.js';
import { withRetries } from '../retry.js';
import type { RefundOutcome } from './outcomes.js';
import type { EffectModule } from './types.js';

const requestSchema = z.object({
  idempotencyKey: z.string(),
  orderId: z.string(),
  customerId: z.string(),
  amountCents: z.number().int().positive(),
  reason: z.string(),
  conversationId: z.string(),
}) satisfies z.ZodType<RefundRequest>;

export const refundEffect: EffectModule<'refund', RefundRequest, RefundOutcome> = {
  kind: 'refund',
  requestSchema,
  request(ctx) {
    const p = ctx.pendingRefund;
    if (!p || !ctx.customer) return null;
    return {
      key: p.idempotencyKey,
      request: {
        idempotencyKey: p.idempotencyKey,
        orderId: p.orderId,
        customerId: ctx.customer.customerId,
        amountCents: p.amountCents,
        reason: p.reason,
        conversationId: ctx.conversationId,
      },
    };
  },
  async execute(req, deps) {
    deps.fault?.('before-payment');
    try {
      const isFinal = (e: unknown) => e instanceof PaymentDeclinedError;
      const refund = await withRetries(() => deps.backends.payments.refund(req), deps.retry, isFinal);
      deps.fault?.('after-payment');
      return {
        kind: 'refund',
        status: 'done',
        refundId: refund.refundId,
        orderId: refund.orderId,
        amountCents: refund.amountCents,
        processedAt: refund.createdAt,
      };
    } catch (error) {
      return {
        kind: 'refund',
        status: error instanceof PaymentDeclinedError ? 'failed' : 'unknown',
        orderId: req.orderId,
      };
    }
  },
  status: (o) => (o.status === 'done' ? 'done' : o.status === 'failed' ? 'failed' : null),
  outcomeEvent(o) {
    if (o.status === 'done') return { type: 'refund.succeeded', orderId: o.orderId, refundId: o.refundId };
    if (o.status === 'failed') return { type: 'refund.failed', orderId: o.orderId };
    return { type: 'refund.unknown', orderId: o.orderId };
  },
  notice(o) {
    if (o.status === 'done')
      return {
        kind: 'refund',
        payload: { order_id: o.orderId, amount: o.amountCents / 100, status: 'processed', refund_id: o.refundId },
      };
    return {
      kind: 'refund',
      payload: { order_id: o.orderId, status: o.status === 'failed' ? 'declined' : 'confirming' },
    };
  },
};

/** The ticket effect: the escalation's ticket, or the approval request's (one per key, I6/I14). */
import { z } from 'zod';
import type { TicketRequest } from '../backends/types.js';
import type { ConversationContext } from '../machines/conversation.context.js';
import { formatUsd } from '../money.js';
import { withRetries } from '../retry.js';
import type { TicketOutcome } from './outcomes.js';
import type { EffectModule } from './types.js';

type TicketEffectRequest = TicketRequest & { subject: 'escalation' | 'approval' };

const requestSchema = z.object({
  idempotencyKey: z.string(),
  priority: z.enum(['P1', 'P2', 'P3']),
  reason: z.string(),
  context: z.string(),
  customerId: z.string().nullable(),
  orderId: z.string().nullable(),
  conversationId: z.string(),
  approvalRequestId: z.string().nullable().optional(),
  subject: z.enum(['escalation', 'approval']),
}) satisfies z.ZodType<TicketEffectRequest>;

/** Ticket idempotency key: one escalation per conversation, one more per raised priority, one per approval. */
export function ticketKey(conversationId: string, extra?: { raisedTo?: string; approval?: string }): string {
  if (extra?.approval) return `ticket:${conversationId}:approval:${extra.approval}`;
  return extra?.raisedTo ? `ticket:${conversationId}:raised:${extra.raisedTo}` : `ticket:${conversationId}`;
}

function approvalTicket(ctx: ConversationContext): TicketEffectRequest | null {
  const a = ctx.approval;
  if (!a) return null;
  const key = ticketKey(ctx.conversationId, { approval: a.requestId });
  return {
    idempotencyKey: key,
    priority: 'P2',
    reason: 'policy_exception',
    context:
      `Approval request ${a.requestId}: refund ${formatUsd(a.amountCents)} of order ${a.orderId} (${a.reason}) ` +
      `is above the autonomous limit. Approve or deny it before ${a.deadline} (digest ${a.digest}).`,
    customerId: ctx.customer?.customerId ?? null,
    orderId: a.orderId,
    conversationId: ctx.conversationId,
    approvalRequestId: a.requestId,
    subject: 'approval',
  };
}

export const ticketEffect: EffectModule<'ticket', TicketEffectRequest, TicketOutcome> = {
  kind: 'ticket',
  requestSchema,
  request(ctx, params, extras) {
    if (params.subject === 'approval') {
      const request = approvalTicket(ctx);
      return request ? { key: request.idempotencyKey, request } : null;
    }
    const e = ctx.escalation;
    if (!e) return null;
    const key = ticketKey(ctx.conversationId, e.raised ? { raisedTo: e.priority } : undefined);
    return {
      key,
      request: {
        idempotencyKey: key,
        priority: e.priority,
        reason: e.reason,
        context: [e.summary, `Escalated by: ${e.source}.`, extras.ticketContext].filter(Boolean).join(' '),
        customerId: ctx.customer?.customerId ?? null,
        orderId: e.orderId,
        conversationId: ctx.conversationId,
        approvalRequestId: null,
        subject: 'escalation',
      },
    };
  },
  async execute(req, deps) {
    try {
      const { subject: _subject, ...request } = req;
      const ticket = await withRetries(() => deps.backends.tickets.open(request), deps.retry);
      return {
        kind: 'ticket',
        status: 'done',
        ticketId: ticket.ticketId,
        priority: ticket.priority,
        subject: req.subject,
      };
    } catch {
      return { kind: 'ticket', status: 'unknown' };
    }
  },
  // an unopened ticket stays pending: the sweep opens it later with the same key
  status: (o) => (o.status === 'done' ? 'done' : null),
  outcomeEvent: (o) =>
    o.status === 'done' ? { type: 'ticket.created', ticketId: o.ticketId, subject: o.subject } : null,
  notice: () => null,
};

/** The escalation a transition records, from the event that caused it (pure; used by the machine's assigns). */
import type { ConversationContext, Escalation } from './conversation.context.js';
import type { ConversationEvent } from './conversation.events.js';

const make = (e: Omit<Escalation, 'ticketId'>, ticketId: string | null = null): Escalation => ({ ...e, ticketId });

export function escalationFrom(event: ConversationEvent, ctx: ConversationContext): Escalation {
  switch (event.type) {
    case 'propose.escalate':
      return make({ ...pick(event), source: 'model' });
    case 'escalate':
      return make({ ...pick(event), source: event.source });
    case 'customer.found':
    case 'propose.verify_code': {
      const status = event.type === 'customer.found' ? event.customer.status : ctx.challenge?.candidate?.status;
      if (event.type === 'propose.verify_code' && (status === 'active' || status === undefined))
        return make({
          priority: 'P2',
          reason: 'policy_exception',
          source: 'verification',
          summary: 'Too many wrong verification codes; this conversation can no longer verify. Check who is asking.',
          orderId: null,
        });
      return make({
        priority: 'P2',
        reason: 'policy_exception',
        source: 'policy',
        summary: `Customer account is ${status ?? 'not active'}; no autonomous changes allowed.`,
        orderId: null,
      });
    }
    case 'order.checked':
      return make({
        priority: 'P1',
        reason: 'fraud_suspected',
        source: 'policy',
        summary: `Customer asked about order ${event.facts.orderId}, which belongs to another account.`,
        orderId: event.facts.orderId,
      });
    case 'refund.failed':
      return make({
        priority: 'P2',
        reason: 'tool_failure',
        source: 'failure',
        summary: `The payment provider declined the refund of order ${event.orderId}.`,
        orderId: event.orderId,
      });
    case 'refund.unknown':
      return make({
        priority: 'P2',
        reason: 'tool_failure',
        source: 'failure',
        summary:
          `The payment provider has not confirmed the refund of order ${event.orderId} after several attempts; ` +
          'reconcile it with the same idempotency key before telling the customer anything.',
        orderId: event.orderId,
      });
    case 'turn.ended':
      return make({
        priority: 'P3',
        reason: 'complexity',
        source: 'clarification',
        summary: 'Several clarification rounds did not obtain the details needed to help.',
        orderId: null,
      });
    case 'approval.expired':
      return make(
        {
          priority: 'P2',
          reason: 'policy_exception',
          source: 'policy',
          summary: `Approval request ${event.requestId} expired before a supervisor decided it.`,
          orderId: ctx.approval?.orderId ?? null,
        },
        ctx.approval?.ticketId ?? null,
      );
    default:
      return make(
        { priority: 'P2', reason: 'complexity', source: 'policy', summary: 'Escalated.', orderId: null },
        ctx.escalation?.ticketId ?? null,
      );
  }
}

function pick(e: {
  priority: Escalation['priority'];
  reason: Escalation['reason'];
  summary: string;
  orderId: string | null;
}) {
  return { priority: e.priority, reason: e.reason, summary: e.summary, orderId: e.orderId };
}

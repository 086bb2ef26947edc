/** What operators see: the queue of conversations waiting for a person, and a conversation's full audit view. */
import { centsToUsdNumber } from '../money.js';
import type { Clock } from '../policy.js';
import type { ConversationStore } from '../store/types.js';
import type { HeldConversation } from './held.js';
import { restore } from './machine-steps.js';
import { buildConversationView, type ViewDeps } from './views.js';

export interface ApprovalView {
  request_id: string;
  digest: string;
  order_id: string;
  amount: number;
  reason: string;
  deadline: string;
  ticket_id: string | null;
}

export interface QueueItem {
  conversation_id: string;
  kind: 'ticket' | 'approval' | 'takeover';
  priority: 'P1' | 'P2' | 'P3';
  reason: string;
  state: string;
  waiting_since: string;
  wait_seconds: number;
  ticket_id: string | null;
  approval: ApprovalView | null;
  operator: string | null;
}

const WAITING_STATES = ['escalated', 'awaiting-approval', 'human-active'];

function approvalView(a: NonNullable<HeldConversation['snapshot']['context']['approval']>): ApprovalView {
  return {
    request_id: a.requestId,
    digest: a.digest,
    order_id: a.orderId,
    amount: centsToUsdNumber(a.amountCents),
    reason: a.reason,
    deadline: a.deadline,
    ticket_id: a.ticketId,
  };
}

/** Open tickets, approval requests and taken-over conversations, oldest first. */
export async function buildQueue(store: ConversationStore, clock: Clock): Promise<QueueItem[]> {
  const now = clock().getTime();
  const records = await store.listConversations({ states: WAITING_STATES });
  return records.map((r) => {
    const ctx = restore(r.snapshot, r.machineVersion).context;
    const since = r.waitingSince ?? r.updatedAt;
    const kind: QueueItem['kind'] = r.state === 'human-active' ? 'takeover' : ctx.approval ? 'approval' : 'ticket';
    return {
      conversation_id: r.id,
      kind,
      priority: ctx.escalation?.priority ?? 'P2',
      reason: ctx.escalation?.reason ?? (ctx.approval ? 'policy_exception' : 'complexity'),
      state: r.state,
      waiting_since: since,
      wait_seconds: Math.max(0, Math.round((now - Date.parse(since)) / 1000)),
      ticket_id: ctx.escalation?.ticketId ?? ctx.approval?.ticketId ?? null,
      approval: ctx.approval ? approvalView(ctx.approval) : null,
      operator: ctx.takeover?.operator ?? null,
    };
  });
}

/** The operator's view: the customer's view plus the approval request, the takeover, the escalation and what is
 * allowed now.
 */
export async function buildOperatorView(held: HeldConversation, deps: ViewDeps, allowed: string[]) {
  const view = await buildConversationView(held, deps);
  const ctx = held.snapshot.context;
  const tickets = await deps.backends.tickets.listTickets({ conversationId: held.id });
  return {
    ...view,
    tickets: tickets.map((t) => ({
      ticket_id: t.ticketId,
      priority: t.priority,
      reason: t.reason,
      context: t.context,
      approval_request_id: t.approvalRequestId ?? null,
      created_at: t.createdAt,
    })),
    customer: ctx.customer ? { name: ctx.customer.name, email: ctx.customer.email, status: ctx.customer.status } : null,
    escalation: ctx.escalation
      ? {
          priority: ctx.escalation.priority,
          reason: ctx.escalation.reason,
          summary: ctx.escalation.summary,
          ticket_id: ctx.escalation.ticketId,
        }
      : null,
    approval: ctx.approval ? approvalView(ctx.approval) : null,
    takeover: ctx.takeover ? { operator: ctx.takeover.operator, since: ctx.takeover.since } : null,
    allowed,
  };
}

export type OperatorConversationView = Awaited<ReturnType<typeof buildOperatorView>>;

/** Restoring, transitioning and describing a conversation's machine snapshot. */
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { ConversationInput } from '../machines/conversation.context.js';
import type { ConversationEvent } from '../machines/conversation.events.js';
import { MACHINE_VERSION, conversationMachine, type ConversationState } from '../machines/conversation.machine.js';
import { formatUsd } from '../money.js';
import type { RefundPolicy } from '../policy.js';
import type { StateFacts } from '../models/types.js';
import type { PersistedConversation } from '../store/types.js';
import { expectedWait, ineligibleText } from './prompt.js';

export type ConversationSnapshot = SnapshotFrom<typeof conversationMachine>;

export function initialSnapshot(input: ConversationInput): ConversationSnapshot {
  return initialTransition(conversationMachine, input)[0];
}

/** Restores a stored snapshot (migrating older machine versions when there are any). */
export function restore(persisted: PersistedConversation, machineVersion: number): ConversationSnapshot {
  return conversationMachine.resolveState(migrate(persisted, machineVersion));
}

/** Brings a snapshot stored by an older machine up to MACHINE_VERSION (idempotent). */
function migrate(persisted: PersistedConversation, from: number): PersistedConversation {
  if (from > MACHINE_VERSION) throw new Error(`snapshot from a newer machine (version ${from}); upgrade this server`);
  const context = { ...persisted.context };
  // v1 → v2: verification needs the emails the customer wrote; a v1 conversation's verified email counts
  if (!Array.isArray(context.emailsGiven)) context.emailsGiven = context.customer ? [context.customer.email.toLowerCase()] : [];
  if (context.pendingRefund && typeof context.pendingRefund.unknownCount !== 'number') context.pendingRefund = { ...context.pendingRefund, unknownCount: 0 };
  return { value: persisted.value, context };
}

export function persist(snapshot: ConversationSnapshot): PersistedConversation {
  return { value: stateOf(snapshot), context: snapshot.context };
}

export function stateOf(snapshot: ConversationSnapshot): ConversationState {
  return snapshot.value as ConversationState;
}

export function statusOf(snapshot: ConversationSnapshot): 'open' | 'resolved' | 'escalated' {
  const s = stateOf(snapshot);
  if (s === 'escalated') return 'escalated';
  if (s === 'resolved') return 'resolved';
  return 'open';
}

/** Applies an event: the next snapshot and the effect markers it emitted, or null if refused. */
export function step(
  snapshot: ConversationSnapshot,
  event: ConversationEvent,
): { next: ConversationSnapshot; refund: boolean; ticket: boolean } | null {
  if (!snapshot.can(event)) return null;
  const [next, actions] = transition(conversationMachine, snapshot, event);
  return {
    next,
    refund: actions.some((a) => a.type === 'requestRefund'),
    ticket: actions.some((a) => a.type === 'requestTicket'),
  };
}

export function allowedTools(snapshot: ConversationSnapshot): string[] {
  const ctx = snapshot.context;
  const tools: string[] = [];
  // verification is open until a customer is verified; it succeeds only for an email the customer wrote
  const verifiable = ctx.emailsGiven.some((email) => snapshot.can({ type: 'propose.get_customer', email }));
  if (verifiable || (!ctx.customer && !ctx.escalation)) tools.push('get_customer');
  if (snapshot.can({ type: 'propose.lookup_order', orderId: 'ORD-PROBE' })) tools.push('lookup_order');
  const refundable = Object.values(ctx.orders).some((o) =>
    snapshot.can({ type: 'propose.process_refund', orderId: o.orderId, reason: 'damaged', amountCents: null }),
  );
  // an order needing approval is proposed too: the system turns that proposal into a P2 ticket
  const approvable = !ctx.escalation && !ctx.pendingRefund && Object.values(ctx.orders).some((o) => o.owned && o.eligible && o.needsApproval && !o.refunded);
  if (refundable || approvable) tools.push('process_refund');
  if (snapshot.can({ type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 'probe', orderId: null })) tools.push('escalate_to_human');
  return tools;
}

export function factsOf(snapshot: ConversationSnapshot, policy: RefundPolicy): StateFacts {
  const ctx = snapshot.context;
  return {
    state: stateOf(snapshot),
    status: statusOf(snapshot),
    allowedTools: allowedTools(snapshot),
    customer: ctx.customer ? { name: ctx.customer.name, email: ctx.customer.email, status: ctx.customer.status } : null,
    unknownEmails: ctx.unknownEmails,
    orders: Object.values(ctx.orders).map((o) => ({
      orderId: o.orderId,
      owned: o.owned,
      eligible: o.eligible,
      ineligibleExplanation: o.owned ? ineligibleText(o.ineligibleCode, policy) : null,
      refundableUsd: o.owned && o.eligible ? formatUsd(o.refundableCents) : null,
      needsApproval: o.needsApproval,
      refunded: o.refunded,
    })),
    pendingRefund: ctx.pendingRefund ? { orderId: ctx.pendingRefund.orderId, outcome: ctx.pendingRefund.outcome } : null,
    escalation: ctx.escalation
      ? { priority: ctx.escalation.priority, reason: ctx.escalation.reason, ticketId: ctx.escalation.ticketId, expectedWait: expectedWait(ctx.escalation.priority) }
      : null,
  };
}

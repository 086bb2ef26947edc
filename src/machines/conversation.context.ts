/**
 * The conversation machine's context: everything the policy guards depend on.
 * JSON-only (it is persisted as is), integer cents, no functions.
 */

export type Priority = 'P1' | 'P2' | 'P3';
export type EscalationReason =
  | 'policy_exception'
  | 'customer_distress'
  | 'tool_failure'
  | 'fraud_suspected'
  | 'complexity';
export type RefundReason = 'damaged' | 'not_received' | 'wrong_item' | 'changed_mind' | 'billing_error';
/** Who decided an escalation: the model, or code (triggers, policy, failures, clarification). */
export type EscalationSource = 'model' | 'trigger' | 'policy' | 'failure' | 'clarification';

export const PRIORITIES = ['P1', 'P2', 'P3'] as const;
export const ESCALATION_REASONS = [
  'policy_exception',
  'customer_distress',
  'tool_failure',
  'fraud_suspected',
  'complexity',
] as const;
export const REFUND_REASONS = ['damaged', 'not_received', 'wrong_item', 'changed_mind', 'billing_error'] as const;

export interface VerifiedCustomer {
  customerId: string;
  name: string;
  email: string;
  status: 'active' | 'suspended' | 'closed';
}

/** What this conversation learned about one order at lookup. Facts of order A never cover order B. */
export interface OrderFacts {
  orderId: string;
  /** Belongs to the verified customer. When false, nothing else about the order is kept. */
  owned: boolean;
  eligible: boolean;
  ineligibleCode: string | null;
  /** Decided by the policy at lookup, never by the model. */
  refundableCents: number;
  /** Eligible but above the autonomous limit. */
  needsApproval: boolean;
  refunded: boolean;
  refundId: string | null;
}

export interface PendingRefund {
  orderId: string;
  amountCents: number;
  reason: RefundReason;
  idempotencyKey: string;
  /** 'pending' until the payment outcome is known; 'unknown' while it is being reconciled. */
  outcome: 'pending' | 'unknown';
  /** Reconciliation attempts that still found the outcome unknown (I8: after a few, a human is told). */
  unknownCount: number;
}

export interface Escalation {
  priority: Priority;
  reason: EscalationReason;
  source: EscalationSource;
  summary: string;
  orderId: string | null;
  ticketId: string | null;
  /** Raised above an earlier, lower-priority escalation (its ticket is a new one, keyed by priority). */
  raised?: boolean;
}

export interface ConversationContext {
  conversationId: string;
  /** The autonomous limit in force for this conversation (guards re-check it: defence in depth). */
  refundLimitCents: number;
  customer: VerifiedCustomer | null;
  /** Emails the customer wrote in this conversation: the only ones that may be verified (I1). */
  emailsGiven: string[];
  /** Emails that matched no customer (so a model can ask again rather than retry). */
  unknownEmails: string[];
  orders: Record<string, OrderFacts>;
  pendingRefund: PendingRefund | null;
  escalation: Escalation | null;
  /** Consecutive turns that obtained nothing needed while identity or order was missing (I9). */
  stalledTurns: number;
}

export interface ConversationInput {
  conversationId: string;
  refundLimitCents: number;
}

/** Refund idempotency key: per order, never the model's tool_use id (I4). */
export function refundKey(orderId: string): string {
  return `refund:${orderId}`;
}

/** Ticket idempotency key: one escalation per conversation, plus at most one per raised priority. */
export function ticketKey(conversationId: string, raisedTo?: Priority): string {
  return raisedTo ? `ticket:${conversationId}:raised:${raisedTo}` : `ticket:${conversationId}`;
}

/**
 * The conversation machine's context: everything the policy guards depend on.
 * JSON-only (it is persisted as is), integer cents, ISO times, no functions.
 */

export const PRIORITIES = ['P1', 'P2', 'P3'] as const;
export const ESCALATION_REASONS = [
  'policy_exception',
  'customer_distress',
  'tool_failure',
  'fraud_suspected',
  'complexity',
  'safety',
] as const;
export const REFUND_REASONS = ['damaged', 'not_received', 'wrong_item', 'changed_mind', 'billing_error'] as const;
export const OPERATOR_ROLES = ['agent', 'supervisor'] as const;

export type Priority = (typeof PRIORITIES)[number];
export type EscalationReason = (typeof ESCALATION_REASONS)[number];
export type RefundReason = (typeof REFUND_REASONS)[number];
export type OperatorRole = (typeof OPERATOR_ROLES)[number];
/** Who decided an escalation: the model, or code (triggers, policy, failures, clarification, verification). */
export type EscalationSource = 'model' | 'trigger' | 'policy' | 'failure' | 'clarification' | 'verification';
/** Where a proposal came from: the chat's model, or an MCP client acting for the conversation. */
export type ProposalSource = 'chat' | 'mcp';

/** Where a refund goes: always back to the original payment method (the offer says so). */
export const REFUND_DESTINATION = 'original_payment_method' as const;

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
  /** Eligible but above the autonomous limit: a supervisor approves it (I14). */
  needsApproval: boolean;
  refunded: boolean;
  refundId: string | null;
}

/** I13: the refund the customer is asked to confirm, exactly (order, amount, destination). */
export interface Offer {
  offerId: string;
  orderId: string;
  amountCents: number;
  reason: RefundReason;
  destination: typeof REFUND_DESTINATION;
  /** Digest of conversation, order, amount, destination and reason (computed in code, compared here). */
  digest: string;
  /** Above the limit: a yes turns it into an approval request instead of a refund. */
  needsApproval: boolean;
  madeAt: string;
}

/** I14: a refund above the limit waiting for a supervisor, bound to the exact request. */
export interface ApprovalRequest {
  requestId: string;
  orderId: string;
  amountCents: number;
  reason: RefundReason;
  digest: string;
  requestedAt: string;
  deadline: string;
  ticketId: string | null;
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
  /** The supervisor who approved it, when it needed approval. */
  approvedBy: string | null;
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

/** I15: a person holds the conversation; the state to return to is recorded. */
export interface Takeover {
  operator: string;
  fromState: string;
  since: string;
  sinceTurn: number;
}

/** I16: a one-time code sent to the address on file (only its salted hash is kept). */
export interface CodeChallenge {
  /** The account the code was sent for; null when the email matched none (nothing is revealed). */
  candidate: VerifiedCustomer | null;
  email: string;
  codeHash: string | null;
  salt: string | null;
  expiresAt: string | null;
  /** Wrong or expired codes given so far. */
  attempts: number;
  /** Codes sent in this conversation. */
  sent: number;
}

export interface ConversationContext {
  conversationId: string;
  /** The autonomous limit in force for this conversation (guards re-check it: defence in depth). */
  refundLimitCents: number;
  /** I13: a refund needs the customer's yes to the exact offer. */
  confirmRefunds: boolean;
  /** I16: 'code' sends a one-time code before an account counts as verified (always over MCP). */
  verification: 'email' | 'code';
  /** How long a supervisor has to approve a request (I14). */
  approvalHours: number;
  customer: VerifiedCustomer | null;
  /** Emails the customer introduced as theirs in this conversation: the only ones that may be verified (I1). */
  emailsGiven: string[];
  /** Emails that matched no customer (so a model can ask again rather than retry). */
  unknownEmails: string[];
  /** Six-digit codes the customer typed (a chat verify_code may use only these). */
  codesGiven: string[];
  orders: Record<string, OrderFacts>;
  offer: Offer | null;
  /** Offers made so far (offer ids are numbered by it). */
  offersMade: number;
  approval: ApprovalRequest | null;
  pendingRefund: PendingRefund | null;
  escalation: Escalation | null;
  takeover: Takeover | null;
  challenge: CodeChallenge | null;
  /** Too many wrong codes: this conversation cannot verify any more (I16). */
  verificationLocked: boolean;
  /** Consecutive turns that obtained nothing needed while identity or order was missing (I9). */
  stalledTurns: number;
}

export interface ConversationInput {
  conversationId: string;
  refundLimitCents: number;
  confirmRefunds?: boolean;
  verification?: 'email' | 'code';
  approvalHours?: number;
}

/** Refund idempotency key: per order, never the model's tool_use id (I4). */
export function refundKey(orderId: string): string {
  return `refund:${orderId}`;
}

/** The context a conversation starts with. Accepts a missing input (xstate probes the factory without one). */
export function initialContext(input: ConversationInput | undefined): ConversationContext {
  return {
    conversationId: input?.conversationId ?? '',
    refundLimitCents: input?.refundLimitCents ?? 0,
    confirmRefunds: input?.confirmRefunds ?? true,
    verification: input?.verification ?? 'email',
    approvalHours: input?.approvalHours ?? 24,
    customer: null,
    emailsGiven: [],
    unknownEmails: [],
    codesGiven: [],
    orders: {},
    offer: null,
    offersMade: 0,
    approval: null,
    pendingRefund: null,
    escalation: null,
    takeover: null,
    challenge: null,
    verificationLocked: false,
    stalledTurns: 0,
  };
}

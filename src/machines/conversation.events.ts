/**
 * Events of the conversation machine: proposals (from the model or an MCP client, via tools),
 * facts (results of effects and decisions made in code) and operator decisions. Times are ISO
 * strings from the server's clock, put in by code: the machine itself has no clock.
 */
import { z } from 'zod';
import { ESCALATION_REASONS, OPERATOR_ROLES, PRIORITIES, REFUND_REASONS } from './conversation.context.js';

const orderFacts = z.object({
  orderId: z.string(),
  owned: z.boolean(),
  eligible: z.boolean(),
  ineligibleCode: z.string().nullable(),
  refundableCents: z.number().int().nonnegative(),
  needsApproval: z.boolean(),
  refunded: z.boolean(),
  refundId: z.string().nullable(),
});

const customer = z.object({
  customerId: z.string(),
  name: z.string(),
  email: z.string(),
  status: z.enum(['active', 'suspended', 'closed']),
});

const via = z.enum(['chat', 'mcp']);
const at = z.iso.datetime();
const operator = z.string().min(1);

/** The exact refund an offer stands for, computed by code from the order facts (never by the model). */
const refundTerms = z.object({
  offerId: z.string().min(1),
  digest: z.string().min(1),
  amountCents: z.number().int().nonnegative(),
  destination: z.literal('original_payment_method'),
});

/** Every proposal the machine knows: one per tool. */
export const proposalSchemas = [
  z.object({ type: z.literal('propose.get_customer'), email: z.string(), via }),
  z.object({ type: z.literal('propose.verify_code'), code: z.string(), codeHash: z.string(), via, at }),
  z.object({ type: z.literal('propose.lookup_order'), orderId: z.string() }),
  z.object({
    type: z.literal('propose.process_refund'),
    orderId: z.string(),
    reason: z.enum(REFUND_REASONS),
    /** What the model asked for, if anything: must equal the system's amount. */
    amountCents: z.number().int().nullable(),
    terms: refundTerms,
    at,
  }),
  z.object({
    type: z.literal('propose.escalate'),
    reason: z.enum(ESCALATION_REASONS),
    priority: z.enum(PRIORITIES),
    summary: z.string(),
    orderId: z.string().nullable(),
  }),
  /** MCP only: the customer's confirmation of the open offer, when the client cannot elicit it. */
  z.object({ type: z.literal('propose.confirm_refund'), offerId: z.string(), via, at }),
] as const;

/** Operator decisions: applied like every other event, recorded with the operator's name. */
export const operatorSchemas = [
  z.object({
    type: z.literal('operator.approve'),
    requestId: z.string(),
    digest: z.string(),
    operator,
    role: z.enum(OPERATOR_ROLES),
    at,
  }),
  z.object({
    type: z.literal('operator.deny'),
    requestId: z.string(),
    digest: z.string(),
    operator,
    role: z.enum(OPERATOR_ROLES),
    note: z.string(),
    at,
  }),
  z.object({ type: z.literal('operator.takeover'), operator, at, turn: z.number().int().nonnegative() }),
  z.object({ type: z.literal('operator.reply'), operator }),
  z.object({ type: z.literal('operator.handback'), operator, at }),
  z.object({ type: z.literal('operator.resolve'), operator, at }),
] as const;

const factSchemas = [
  z.object({ type: z.literal('customer.found'), customer, via }),
  z.object({ type: z.literal('customer.not_found'), email: z.string(), via }),
  z.object({
    type: z.literal('verification.code_sent'),
    codeHash: z.string(),
    salt: z.string(),
    expiresAt: at,
  }),
  z.object({ type: z.literal('order.checked'), facts: orderFacts }),
  z.object({ type: z.literal('order.not_found'), orderId: z.string() }),
  z.object({ type: z.literal('refund.succeeded'), orderId: z.string(), refundId: z.string() }),
  z.object({ type: z.literal('refund.failed'), orderId: z.string() }),
  z.object({ type: z.literal('refund.unknown'), orderId: z.string() }),
  z.object({ type: z.literal('ticket.created'), ticketId: z.string(), subject: z.enum(['escalation', 'approval']) }),
  z.object({
    type: z.literal('escalate'),
    reason: z.enum(ESCALATION_REASONS),
    priority: z.enum(PRIORITIES),
    source: z.enum(['trigger', 'policy', 'failure', 'clarification', 'verification']),
    summary: z.string(),
    orderId: z.string().nullable(),
  }),
  z.object({ type: z.literal('turn.ended'), progressed: z.boolean() }),
  /** What a customer message carries, decided in code from the text (never by the model). */
  z.object({ type: z.literal('customer.wrote'), emails: z.array(z.string()), codes: z.array(z.string()) }),
  /** I13: the customer's explicit yes to this exact offer, decided in code from their text (or MCP). */
  z.object({ type: z.literal('customer.confirmed'), offerId: z.string(), digest: z.string(), via, at }),
  z.object({ type: z.literal('customer.declined'), offerId: z.string(), via }),
  /** The offer can no longer be paid (another conversation refunded the order first): withdrawn by code. */
  z.object({ type: z.literal('offer.withdrawn'), offerId: z.string() }),
  z.object({ type: z.literal('approval.expired'), requestId: z.string(), at }),
] as const;

/** Every event the machine knows. The engine validates each event against it before the machine sees it. */
export const conversationEventSchema = z.discriminatedUnion('type', [
  ...proposalSchemas,
  ...operatorSchemas,
  ...factSchemas,
]);

export type ConversationEvent = z.infer<typeof conversationEventSchema>;
export type ProposalEvent = Extract<ConversationEvent, { type: `propose.${string}` }>;
export type ProposalType = ProposalEvent['type'];
export type OperatorEvent = Extract<ConversationEvent, { type: `operator.${string}` }>;
export type OperatorEventType = OperatorEvent['type'];
export type EventOf<T extends ConversationEvent['type']> = Extract<ConversationEvent, { type: T }>;
export type RefundTerms = z.infer<typeof refundTerms>;

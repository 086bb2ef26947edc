/** Events of the conversation machine: proposals (from the model, via tools) and facts (from code). */
import { z } from 'zod';
import { ESCALATION_REASONS, PRIORITIES, REFUND_REASONS } from './conversation.context.js';

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

/** Every event the machine knows. The engine validates each event against it before the machine sees it. */
export const conversationEventSchema = z.discriminatedUnion('type', [
  // proposals, one per tool
  z.object({ type: z.literal('propose.get_customer'), email: z.string() }),
  z.object({ type: z.literal('propose.lookup_order'), orderId: z.string() }),
  z.object({
    type: z.literal('propose.process_refund'),
    orderId: z.string(),
    reason: z.enum(REFUND_REASONS),
    /** What the model asked for, if anything: must equal the system's amount. */
    amountCents: z.number().int().nullable(),
  }),
  z.object({
    type: z.literal('propose.escalate'),
    reason: z.enum(ESCALATION_REASONS),
    priority: z.enum(PRIORITIES),
    summary: z.string(),
    orderId: z.string().nullable(),
  }),
  // facts: results of effects and decisions made in code
  z.object({ type: z.literal('customer.found'), customer }),
  z.object({ type: z.literal('customer.not_found'), email: z.string() }),
  z.object({ type: z.literal('order.checked'), facts: orderFacts }),
  z.object({ type: z.literal('order.not_found'), orderId: z.string() }),
  z.object({ type: z.literal('refund.succeeded'), orderId: z.string(), refundId: z.string() }),
  z.object({ type: z.literal('refund.failed'), orderId: z.string() }),
  z.object({ type: z.literal('refund.unknown'), orderId: z.string() }),
  z.object({ type: z.literal('ticket.created'), ticketId: z.string() }),
  z.object({
    type: z.literal('escalate'),
    reason: z.enum(ESCALATION_REASONS),
    priority: z.enum(PRIORITIES),
    source: z.enum(['trigger', 'policy', 'failure', 'clarification']),
    summary: z.string(),
    orderId: z.string().nullable(),
  }),
  z.object({ type: z.literal('turn.ended'), progressed: z.boolean() }),
  /** The emails in a customer message (decided in code from the text, never by the model). */
  z.object({ type: z.literal('customer.wrote'), emails: z.array(z.string()) }),
]);

export type ConversationEvent = z.infer<typeof conversationEventSchema>;
export type ProposalEvent = Extract<ConversationEvent, { type: `propose.${string}` }>;
export type EventOf<T extends ConversationEvent['type']> = Extract<ConversationEvent, { type: T }>;

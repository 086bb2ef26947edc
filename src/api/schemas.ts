/** Response schemas shared by several resources (documentation of what the runtime returns). */
import { z } from '@hono/zod-openapi';

const statusSchema = z.enum(['open', 'resolved', 'escalated']);

export const UsageSchema = z
  .object({
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    cacheReadTokens: z.number().int(),
    cacheWriteTokens: z.number().int(),
    modelCalls: z.number().int(),
  })
  .openapi('Usage');

export const AwaitingSchema = z
  .union([
    z.object({
      kind: z.literal('confirmation'),
      offer_id: z.string(),
      order_id: z.string(),
      amount: z.number().openapi({ description: 'USD' }),
      text: z
        .string()
        .openapi({ description: 'The offer as the customer was shown it (built by code, not the model)' }),
    }),
    z.object({ kind: z.literal('approval'), order_id: z.string(), amount: z.number(), request_id: z.string() }),
    z.object({ kind: z.literal('code') }),
    z.object({ kind: z.literal('person'), operator: z.string() }),
    z.null(),
  ])
  .openapi('Awaiting', {
    description: "What the conversation waits for: the customer's yes, a supervisor, a code, a person; or null.",
  });

export const TurnEventSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('text'), text: z.string() }),
    z.object({ type: z.literal('tool_call'), tool_use_id: z.string(), name: z.string(), input: z.unknown() }),
    z.object({
      type: z.literal('tool_result'),
      tool_use_id: z.string(),
      name: z.string(),
      result: z.unknown(),
      is_error: z.boolean(),
    }),
    z.object({ type: z.literal('tool_rejected'), tool_use_id: z.string(), name: z.string(), reason: z.string() }),
    z.object({ type: z.literal('state'), state: z.string(), status: statusSchema, awaiting: AwaitingSchema }),
  ])
  .openapi('TurnEvent', { description: 'One step of a turn; also the data of each server-sent event.' });

export const TurnResultSchema = z
  .object({
    conversation_id: z.string(),
    reply: z.string(),
    state: z.string(),
    status: statusSchema,
    awaiting: AwaitingSchema,
    events: z.array(TurnEventSchema),
    usage: UsageSchema,
  })
  .openapi('TurnResult');

export const ConversationViewSchema = z
  .object({
    conversation_id: z.string(),
    state: z.string(),
    status: statusSchema,
    awaiting: AwaitingSchema,
    created_at: z.string(),
    updated_at: z.string(),
    messages: z.array(
      z.object({
        role: z.enum(['customer', 'agent', 'operator', 'system']),
        text: z.string(),
        at: z.string(),
        author: z.string().optional().openapi({ description: 'The person who wrote it (operator messages)' }),
      }),
    ),
    proposals: z.array(
      z.object({
        tool: z.string(),
        input: z.unknown(),
        state: z.string().openapi({ description: 'Machine state when the proposal was decided' }),
        decision: z.string().openapi({ example: 'rejected' }),
        reason: z.string(),
        invariant: z.string().nullable(),
        source: z.string().openapi({ description: 'chat (the model) or mcp' }),
        at: z.string(),
      }),
    ),
    refunds: z.array(
      z.object({
        refund_id: z.string(),
        order_id: z.string(),
        amount: z.number(),
        reason: z.string(),
        created_at: z.string(),
      }),
    ),
    tickets: z.array(z.object({ ticket_id: z.string(), priority: z.string(), created_at: z.string() })),
    usage: UsageSchema.extend({ turns: z.number().int() }),
  })
  .openapi('Conversation');

export const RefundSchema = z
  .object({
    refund_id: z.string(),
    order_id: z.string(),
    customer_id: z.string(),
    amount: z.number().openapi({ description: 'USD' }),
    reason: z.string(),
    conversation_id: z.string(),
    idempotency_key: z.string(),
    created_at: z.string(),
  })
  .openapi('Refund');

export const TicketSchema = z
  .object({
    ticket_id: z.string(),
    priority: z.string(),
    reason: z.string(),
    context: z.string(),
    customer_id: z.string().nullable(),
    order_id: z.string().nullable(),
    conversation_id: z.string(),
    approval_request_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Ticket');

export const ApprovalSchema = z
  .object({
    request_id: z.string(),
    digest: z
      .string()
      .openapi({ description: 'Send it back with the decision: it binds the approval to this exact refund' }),
    order_id: z.string(),
    amount: z.number().openapi({ description: 'USD' }),
    reason: z.string(),
    deadline: z.string(),
    ticket_id: z.string().nullable(),
  })
  .openapi('ApprovalRequest');

export const QueueSchema = z
  .object({
    items: z.array(
      z.object({
        conversation_id: z.string(),
        kind: z.enum(['ticket', 'approval', 'takeover']),
        priority: z.enum(['P1', 'P2', 'P3']),
        reason: z.string(),
        state: z.string(),
        waiting_since: z.string(),
        wait_seconds: z.number().int(),
        ticket_id: z.string().nullable(),
        approval: ApprovalSchema.nullable(),
        operator: z.string().nullable(),
      }),
    ),
  })
  .openapi('Queue');

export const OperatorViewSchema = ConversationViewSchema.extend({
  tickets: z.array(
    z.object({
      ticket_id: z.string(),
      priority: z.string(),
      reason: z.string(),
      context: z.string(),
      approval_request_id: z.string().nullable(),
      created_at: z.string(),
    }),
  ),
  customer: z.object({ name: z.string(), email: z.string(), status: z.string() }).nullable(),
  escalation: z
    .object({ priority: z.string(), reason: z.string(), summary: z.string(), ticket_id: z.string().nullable() })
    .nullable(),
  approval: ApprovalSchema.nullable(),
  takeover: z.object({ operator: z.string(), since: z.string() }).nullable(),
  allowed: z.array(z.string()).openapi({ description: 'The operator events the machine accepts now' }),
}).openapi('OperatorConversation');

/** What callers see: the conversation view (for its customer, and the fuller one for operators), refunds and tickets.
 *
 */
import type { Backends, RefundRecord, TicketRecord } from '../backends/types.js';
import { centsToUsdNumber } from '../money.js';
import { ZERO_USAGE, type Usage } from '../models/types.js';
import type { Toolset } from '../tools/types.js';
import { publicToolName } from './customer-events.js';
import { payloadOf } from './event-payloads.js';
import { awaitingOf } from './facts.js';
import type { HeldConversation } from './held.js';
import { leakContextFor } from './leak-context.js';
import { stateOf, statusOf } from './machine-steps.js';
import type { Sanitizer } from './sanitizer.js';
import type { Awaiting } from './types.js';

export interface RefundView {
  refund_id: string;
  order_id: string;
  customer_id: string;
  amount: number;
  reason: string;
  conversation_id: string;
  idempotency_key: string;
  created_at: string;
}

export interface TicketView {
  ticket_id: string;
  priority: string;
  reason: string;
  context: string;
  customer_id: string | null;
  order_id: string | null;
  conversation_id: string;
  approval_request_id: string | null;
  created_at: string;
}

export type MessageRole = 'customer' | 'agent' | 'operator' | 'system';

export interface ConversationView {
  conversation_id: string;
  state: string;
  status: 'open' | 'resolved' | 'escalated';
  awaiting: Awaiting;
  created_at: string;
  updated_at: string;
  messages: Array<{ role: MessageRole; text: string; at: string; author?: string }>;
  proposals: Array<{
    tool: string;
    input: unknown;
    state: string;
    decision: string;
    reason: string;
    invariant: string | null;
    source: string;
    at: string;
  }>;
  refunds: Array<Omit<RefundView, 'customer_id' | 'idempotency_key' | 'conversation_id'>>;
  tickets: Array<{ ticket_id: string; priority: string; created_at: string }>;
  usage: Usage & { modelCalls: number; turns: number };
}

export const toRefundView = (r: RefundRecord): RefundView => ({
  refund_id: r.refundId,
  order_id: r.orderId,
  customer_id: r.customerId,
  amount: centsToUsdNumber(r.amountCents),
  reason: r.reason,
  conversation_id: r.conversationId,
  idempotency_key: r.idempotencyKey,
  created_at: r.createdAt,
});

export const toTicketView = (t: TicketRecord): TicketView => ({
  ticket_id: t.ticketId,
  priority: t.priority,
  reason: t.reason,
  context: t.context,
  customer_id: t.customerId,
  order_id: t.orderId,
  conversation_id: t.conversationId,
  approval_request_id: t.approvalRequestId ?? null,
  created_at: t.createdAt,
});

export interface ViewDeps {
  backends: Backends;
  sanitizer: Sanitizer;
  toolset: Toolset;
}

/** The transcript: customer messages, agent replies, people's messages and notices, in order. */
export function transcriptOf(held: HeldConversation, clean: (text: string) => string): ConversationView['messages'] {
  const messages: ConversationView['messages'] = [];
  for (const e of held.log) {
    const said = payloadOf(e, 'customer_message');
    const replied = payloadOf(e, 'reply');
    const person = payloadOf(e, 'operator_message');
    const notice = payloadOf(e, 'notice');
    if (said) messages.push({ role: 'customer', text: said.text, at: e.createdAt });
    else if (replied) messages.push({ role: 'agent', text: clean(replied.text), at: e.createdAt });
    else if (person) messages.push({ role: 'operator', text: person.text, at: e.createdAt, author: person.operator });
    else if (notice) messages.push({ role: 'system', text: clean(notice.text), at: e.createdAt });
  }
  return messages;
}

/** The conversation as its customer may see it: every text and proposal input passes the sanitiser (I7). */
export async function buildConversationView(held: HeldConversation, deps: ViewDeps): Promise<ConversationView> {
  const { backends, sanitizer } = deps;
  const leak = leakContextFor(held);
  const clean = (text: string) => sanitizer.sanitize(text, leak).text;
  const usage = { ...ZERO_USAGE, modelCalls: 0, turns: held.record.turn };
  const proposals: ConversationView['proposals'] = [];
  for (const e of held.log) {
    const proposal = payloadOf(e, 'proposal');
    const used = payloadOf(e, 'usage');
    if (proposal) {
      const json = JSON.stringify(proposal.input) ?? '';
      const input = json.length > 2_000 || sanitizer.leakIn(json, leak) ? { redacted: true } : proposal.input;
      proposals.push({
        tool: publicToolName(deps.toolset, proposal.tool),
        input,
        state: proposal.state,
        decision: proposal.decision,
        reason: clean(proposal.reason),
        invariant: proposal.invariant,
        source: proposal.source ?? 'chat',
        at: e.createdAt,
      });
    } else if (used) {
      usage.inputTokens += used.inputTokens;
      usage.outputTokens += used.outputTokens;
      usage.cacheReadTokens += used.cacheReadTokens;
      usage.cacheWriteTokens += used.cacheWriteTokens;
      usage.modelCalls += used.modelCalls;
    }
  }
  const refunds = (await backends.payments.listRefunds({ conversationId: held.id })).map((r) => ({
    refund_id: r.refundId,
    order_id: r.orderId,
    amount: centsToUsdNumber(r.amountCents),
    reason: r.reason,
    created_at: r.createdAt,
  }));
  const tickets = (await backends.tickets.listTickets({ conversationId: held.id })).map((t) => ({
    ticket_id: t.ticketId,
    priority: t.priority,
    created_at: t.createdAt,
  }));
  return {
    conversation_id: held.id,
    state: stateOf(held.snapshot),
    status: statusOf(held.snapshot),
    awaiting: awaitingOf(held.snapshot),
    created_at: held.record.createdAt,
    updated_at: held.record.updatedAt,
    messages: transcriptOf(held, clean),
    proposals,
    refunds,
    tickets,
    usage,
  };
}

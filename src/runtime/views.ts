/** What callers see: the conversation view (for its customer), refunds and tickets (for operators). */
import type { Backends, RefundRecord, TicketRecord } from '../backends/types.js';
import { centsToUsdNumber } from '../money.js';
import { ZERO_USAGE, type Usage } from '../models/types.js';
import type { ConversationStore } from '../store/types.js';
import { stateOf, statusOf } from './conversation-state.js';
import type { Loaded } from './engine.js';
import { publicToolName } from './customer-events.js';
import { payloadOf } from './event-payloads.js';
import { leakContextFor } from './leak-context.js';
import type { Sanitizer } from './sanitizer.js';

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
  created_at: string;
}

export interface ConversationView {
  conversation_id: string;
  state: string;
  status: 'open' | 'resolved' | 'escalated';
  created_at: string;
  updated_at: string;
  messages: Array<{ role: 'customer' | 'agent'; text: string; at: string }>;
  proposals: Array<{ tool: string; input: unknown; state: string; decision: string; reason: string; invariant: string | null; at: string }>;
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
  created_at: t.createdAt,
});

/** The conversation as its customer may see it: every text and proposal input passes the sanitiser (I7). */
export async function buildConversationView(
  loaded: Loaded,
  deps: { store: ConversationStore; backends: Backends; sanitizer: Sanitizer },
): Promise<ConversationView> {
  const { store, backends, sanitizer } = deps;
  const id = loaded.record.id;
  const events = await store.listEvents(id);
  const leak = await leakContextFor({ store }, loaded);
  const clean = (text: string) => sanitizer.sanitize(text, leak).text;
  const usage = { ...ZERO_USAGE, modelCalls: 0, turns: loaded.record.turn };
  const messages: ConversationView['messages'] = [];
  const proposals: ConversationView['proposals'] = [];
  for (const e of events) {
    const said = payloadOf(e, 'customer_message');
    const replied = payloadOf(e, 'reply');
    const proposal = payloadOf(e, 'proposal');
    const used = payloadOf(e, 'usage');
    if (said) messages.push({ role: 'customer', text: said.text, at: e.createdAt });
    else if (replied) messages.push({ role: 'agent', text: clean(replied.text), at: e.createdAt });
    else if (proposal) {
      const json = JSON.stringify(proposal.input) ?? '';
      const input = json.length > 2_000 || sanitizer.leakIn(json, leak) ? { redacted: true } : proposal.input;
      proposals.push({ tool: publicToolName(proposal.tool), input, state: proposal.state, decision: proposal.decision, reason: clean(proposal.reason), invariant: proposal.invariant, at: e.createdAt });
    } else if (used) {
      usage.inputTokens += used.inputTokens;
      usage.outputTokens += used.outputTokens;
      usage.cacheReadTokens += used.cacheReadTokens;
      usage.cacheWriteTokens += used.cacheWriteTokens;
      usage.modelCalls += used.modelCalls;
    }
  }
  const refunds = (await backends.payments.listRefunds({ conversationId: id })).map((r) => ({
    refund_id: r.refundId,
    order_id: r.orderId,
    amount: centsToUsdNumber(r.amountCents),
    reason: r.reason,
    created_at: r.createdAt,
  }));
  const tickets = (await backends.tickets.listTickets({ conversationId: id })).map((t) => ({ ticket_id: t.ticketId, priority: t.priority, created_at: t.createdAt }));
  return {
    conversation_id: id,
    state: stateOf(loaded.snapshot),
    status: statusOf(loaded.snapshot),
    created_at: loaded.record.createdAt,
    updated_at: loaded.record.updatedAt,
    messages,
    proposals,
    refunds,
    tickets,
    usage,
  };
}

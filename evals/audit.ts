/**
 * The audit of a scenario run in one shape, whatever produced it (in-process runtime or HTTP):
 * per conversation, the turns (customer message, reply, status, model calls, events) and the
 * recorded proposals with their decisions, refunds and tickets; plus the store's refunds. The
 * invariant checker and the leak scanner read only this, so they can be tested on hand-made
 * inputs.
 */
import type { ConversationView, RefundView, TicketView } from '../src/runtime/runtime.js';
import type { Awaiting, TurnEvent, TurnResult } from '../src/runtime/types.js';

/** A refund as the records show it (amount in USD). */
export interface AuditRefund {
  order_id: string;
  amount: number;
  reason?: string;
  refund_id?: string;
}

export interface AuditTurn {
  message: string;
  reply: string;
  state: string;
  status: 'open' | 'resolved' | 'escalated';
  modelCalls: number;
  /** The turn's events (tool calls, results, rejections, text, state). */
  events: TurnEvent[];
  /** What a streaming client received (SSE), when different from `events`. */
  streamed?: TurnEvent[];
  /** What the conversation waits for after this turn, as the turn result says (absent: not reported). */
  awaiting?: Awaiting;
  /** The conversation's refunds in the records after this turn (absent: not recorded per turn). */
  refundsAfter?: AuditRefund[];
  /** The scenario sent this message as the answer to an offer (for the scorer; the checker reads the text). */
  answersOffer?: boolean;
}

export interface AuditProposal {
  tool: string;
  input: unknown;
  state: string;
  decision: string;
  reason: string;
  invariant?: string | null;
  /** Who proposed it: 'chat' (the model) or 'mcp'. */
  source?: string;
}

export interface AuditTicket {
  ticket_id?: string;
  priority: string;
  reason?: string | null;
  order_id?: string | null;
  /** I14: the supervisor approval request this ticket carries (null: an escalation). */
  approval_request_id?: string | null;
}

/** A supervisor's approval of one request (none in scenario runs: no operator acts in them). */
export interface AuditApproval {
  request_id: string;
  order_id: string;
  amount: number;
}

export interface AuditConversation {
  id: string;
  turns: AuditTurn[];
  /** Every proposal of the conversation in order (the audit log, I11). */
  proposals: AuditProposal[];
  refunds: AuditRefund[];
  tickets: AuditTicket[];
  approvals?: AuditApproval[];
  /** Agent messages as GET /api/conversations/:id shows them. */
  agentMessages?: string[];
}

export interface Audit {
  conversations: AuditConversation[];
  /** Every refund in the store after the run (operators' view), or null when not available. */
  storeRefunds: Array<{ order_id: string; amount: number; conversation_id?: string }> | null;
  /** Refunds in the store before the run (a shared server), or null. */
  refundsBefore: Array<{ order_id: string }> | null;
}

export interface RecordedTurn {
  message: string;
  /** Sent as the answer to a refund offer. */
  toOffer?: boolean;
  result: TurnResult;
  streamed: TurnEvent[];
  ms: number;
  /** The conversation's refunds in the records after this turn. */
  refunds?: AuditRefund[];
}

export interface RecordedConversation {
  id: string;
  turns: RecordedTurn[];
  view: ConversationView | null;
}

/** Builds the audit from what the runner recorded. */
export function auditOf(
  conversations: RecordedConversation[],
  storeRefunds: RefundView[] | null,
  storeTickets: TicketView[] | null,
  refundsBefore: RefundView[] | null,
): Audit {
  return {
    conversations: conversations.map((c) => {
      const stored = new Map(
        (storeTickets ?? []).filter((t) => t.conversation_id === c.id).map((t) => [t.ticket_id, t]),
      );
      return {
        id: c.id,
        turns: c.turns.map((t) => ({
          message: t.message,
          reply: t.result.reply,
          state: t.result.state,
          status: t.result.status,
          modelCalls: t.result.usage.modelCalls,
          events: t.result.events,
          streamed: t.streamed,
          ...(t.result.awaiting !== undefined ? { awaiting: t.result.awaiting } : {}),
          ...(t.refunds ? { refundsAfter: t.refunds } : {}),
          ...(t.toOffer ? { answersOffer: true } : {}),
        })),
        proposals: (c.view?.proposals ?? []).map((p) => ({
          tool: p.tool,
          input: p.input,
          state: p.state,
          decision: p.decision,
          reason: p.reason,
          invariant: p.invariant,
          ...(p.source ? { source: p.source } : {}),
        })),
        refunds: (c.view?.refunds ?? []).map((r) => ({
          order_id: r.order_id,
          amount: r.amount,
          reason: r.reason,
          refund_id: r.refund_id,
        })),
        tickets: (c.view?.tickets ?? []).map((t) => {
          const full = stored.get(t.ticket_id);
          return {
            ticket_id: t.ticket_id,
            priority: t.priority,
            reason: full?.reason ?? null,
            ...(full ? { order_id: full.order_id, approval_request_id: full.approval_request_id } : {}),
          };
        }),
        agentMessages: (c.view?.messages ?? []).filter((m) => m.role === 'agent').map((m) => m.text),
      };
    }),
    storeRefunds:
      storeRefunds?.map((r) => ({ order_id: r.order_id, amount: r.amount, conversation_id: r.conversation_id })) ??
      null,
    refundsBefore: refundsBefore?.map((r) => ({ order_id: r.order_id })) ?? null,
  };
}

/** One proposal joined with what the customer-facing events said about it. */
export interface Step {
  turn: number;
  tool: string;
  input: Record<string, unknown>;
  state: string;
  decision: string;
  reason: string;
  /** 'chat' or 'mcp', when recorded. */
  source?: string;
  /** The tool_result, when the proposal ran. */
  result: Record<string, unknown> | null;
  isError: boolean | null;
  rejectedEvent: boolean;
}

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * Joins the audit log (proposals, in order) with the turns' tool events (tool_call, then its
 * tool_result or tool_rejected): the k-th tool_call is the k-th proposal. Returns the steps and
 * the mismatches (I11: a proposal without its event or an event without its proposal).
 */
export function stepsOf(c: AuditConversation): { steps: Step[]; mismatches: string[] } {
  const calls: Array<{
    turn: number;
    id: string;
    name: string;
    result: Record<string, unknown> | null;
    isError: boolean | null;
    rejected: boolean;
  }> = [];
  c.turns.forEach((t, turn) => {
    const byId = new Map<string, (typeof calls)[number]>();
    for (const e of t.events) {
      if (e.type === 'tool_call') {
        const call = { turn, id: e.tool_use_id, name: e.name, result: null, isError: null, rejected: false };
        calls.push(call);
        byId.set(e.tool_use_id, call);
      } else if (e.type === 'tool_result') {
        const call = byId.get(e.tool_use_id);
        if (call) Object.assign(call, { result: asRecord(e.result), isError: e.is_error });
      } else if (e.type === 'tool_rejected') {
        const call = byId.get(e.tool_use_id);
        if (call) call.rejected = true;
      }
    }
  });
  const mismatches: string[] = [];
  if (calls.length !== c.proposals.length)
    mismatches.push(`${calls.length} tool calls were shown but ${c.proposals.length} proposals were recorded`);
  const steps: Step[] = c.proposals.map((p, i) => {
    const call = calls[i];
    if (call && call.name !== p.tool)
      mismatches.push(`proposal ${i + 1} is recorded as ${p.tool} but the tool call shown was ${call.name}`);
    return {
      turn: call?.turn ?? c.turns.length - 1,
      tool: p.tool,
      input: asRecord(p.input),
      state: p.state,
      decision: p.decision,
      reason: p.reason,
      ...(p.source ? { source: p.source } : {}),
      result: call?.result ?? null,
      isError: call?.isError ?? null,
      rejectedEvent: call?.rejected ?? false,
    };
  });
  return { steps, mismatches };
}

/** Every text the customer saw in a conversation: replies, streamed text, GET view's agent messages. */
export function customerTexts(c: AuditConversation): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  c.turns.forEach((t, i) => {
    out.push({ where: `turn ${i + 1} reply`, text: t.reply });
    for (const e of [...t.events, ...(t.streamed ?? [])])
      if (e.type === 'text') out.push({ where: `turn ${i + 1} streamed text`, text: e.text });
  });
  (c.agentMessages ?? []).forEach((m, i) => out.push({ where: `view message ${i + 1}`, text: m }));
  return out;
}

/** Structured things the customer saw: tool calls, results, rejections (JSON and SSE), the view's proposals. */
export function customerStructured(c: AuditConversation): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  c.turns.forEach((t, i) => {
    for (const e of [...t.events, ...(t.streamed ?? [])]) {
      if (e.type === 'tool_call')
        out.push({ where: `turn ${i + 1} ${e.name} call`, text: JSON.stringify(e.input) ?? '' });
      else if (e.type === 'tool_result')
        out.push({ where: `turn ${i + 1} ${e.name} result`, text: JSON.stringify(e.result) ?? '' });
      else if (e.type === 'tool_rejected') out.push({ where: `turn ${i + 1} ${e.name} rejection`, text: e.reason });
    }
  });
  c.proposals.forEach((p, i) =>
    out.push({ where: `view proposal ${i + 1} (${p.tool})`, text: `${JSON.stringify(p.input) ?? ''} ${p.reason}` }),
  );
  return out;
}

/**
 * The runtime: conversations (create, authorise, lease), turns, views, and the recovery of
 * pending effects. Takes every dependency; names no concrete adapter.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Backends, RefundRecord, TicketRecord } from '../backends/types.js';
import { MACHINE_VERSION } from '../machines/conversation.machine.js';
import { centsToUsdNumber } from '../money.js';
import type { Model, Usage } from '../models/types.js';
import { ZERO_USAGE } from '../models/types.js';
import type { Clock, RefundPolicy } from '../policy.js';
import type { ConversationStore } from '../store/types.js';
import { toAnthropicTools } from '../tools/to-anthropic.js';
import { TOOL_NAMES } from '../tools/registry.js';
import { initialSnapshot, persist, restore, stateOf, statusOf } from './conversation-state.js';
import { createEngine, type FaultPoint, type Loaded } from './engine.js';
import { BusyError, NotFoundError, UnavailableError } from './errors.js';
import { buildSystemPrompt } from './prompt.js';
import { DEFAULT_RETRY, type RetryOptions } from './retry.js';
import { createSanitizer } from './sanitizer.js';
import { leakContextFor } from './leak-context.js';
import { runTurn, type TurnOptions } from './turn.js';
import type { ProposalRecord, TurnResult } from './types.js';

export interface RuntimeOptions {
  store: ConversationStore;
  backends: Backends;
  model: Model;
  policy: RefundPolicy;
  clock?: Clock;
  retry?: RetryOptions;
  maxModelCalls?: number;
  turnTimeoutMs?: number;
  effectClaimMs?: number;
  instanceId?: string;
  fault?: (point: FaultPoint) => void;
}

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

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Creates the runtime. */
export function createRuntime(options: RuntimeOptions) {
  const clock = options.clock ?? (() => new Date());
  const retry = options.retry ?? DEFAULT_RETRY;
  const maxModelCalls = options.maxModelCalls ?? 8;
  const turnTimeoutMs = options.turnTimeoutMs ?? 60_000;
  const instanceId = options.instanceId ?? `inst-${randomBytes(6).toString('hex')}`;
  const { store, backends, model, policy } = options;
  const systemPrompt = buildSystemPrompt(policy);
  const tools = toAnthropicTools();
  const sanitizer = createSanitizer({ refundLimitCents: policy.refundLimitCents, systemPrompt });
  const engine = createEngine({ store, backends, clock, retry, instanceId, effectClaimMs: options.effectClaimMs ?? 30_000, ...(options.fault ? { fault: options.fault } : {}) });
  const iso = (offsetMs = 0) => new Date(clock().getTime() + offsetMs).toISOString();
  const inFlight = new Set<Promise<unknown>>();
  let accepting = true;
  const totals = { turns: 0, modelCalls: 0, ...ZERO_USAGE };

  async function load(id: string): Promise<Loaded> {
    const record = await store.getConversation(id);
    if (!record) throw new NotFoundError();
    return { record, snapshot: restore(record.snapshot, record.machineVersion), turn: record.turn };
  }

  /** Unknown and not-yours both answer 404. */
  async function authorise(id: string, token: string): Promise<Loaded> {
    const record = await store.getConversation(id);
    if (!record || !sameHash(record.tokenHash, sha256(token))) throw new NotFoundError();
    return { record, snapshot: restore(record.snapshot, record.machineVersion), turn: record.turn };
  }

  async function create(id: string, token: string) {
    const snapshot = initialSnapshot({ conversationId: id, refundLimitCents: policy.refundLimitCents });
    await store.createConversation({ id, tokenHash: sha256(token), machineVersion: MACHINE_VERSION, snapshot: persist(snapshot), now: iso() });
    return { conversation_id: id, token, state: stateOf(snapshot) };
  }

  async function send(id: string, token: string, message: string, options: TurnOptions = {}): Promise<TurnResult> {
    if (!accepting) throw new UnavailableError();
    await authorise(id, token);
    const holder = `${instanceId}:${randomBytes(4).toString('hex')}`;
    const leaseMs = turnTimeoutMs + 15_000;
    if (!(await store.acquireLease(id, holder, iso(leaseMs), iso()))) throw new BusyError(2);
    options.onStarted?.();
    const work = (async () => {
      try {
        const fresh = await load(id);
        fresh.turn = fresh.record.turn + 1;
        const result = await runTurn(
          { store, backends, engine, model, policy, clock, retry, sanitizer, systemPrompt, tools, maxModelCalls, turnTimeoutMs },
          fresh,
          message,
          options,
        );
        totals.turns++;
        totals.modelCalls += result.usage.modelCalls;
        totals.inputTokens += result.usage.inputTokens;
        totals.outputTokens += result.usage.outputTokens;
        totals.cacheReadTokens += result.usage.cacheReadTokens;
        totals.cacheWriteTokens += result.usage.cacheWriteTokens;
        return result;
      } finally {
        await store.releaseLease(id, holder);
      }
    })();
    inFlight.add(work);
    try {
      return await work;
    } finally {
      inFlight.delete(work);
    }
  }

  return {
    instanceId,
    model,
    store,
    policy,
    toolNames: TOOL_NAMES,
    systemPrompt,
    /** Starts a conversation: a random id and a ≥128-bit bearer token (stored hashed). */
    async createConversation() {
      const id = `conv_${randomBytes(12).toString('hex')}`;
      const token = randomBytes(32).toString('base64url');
      return create(id, token);
    },
    /** Prototype compatibility: the session id is the capability; its hash names the conversation. */
    async openSession(sessionId: string) {
      const id = `chat_${sha256(`session:${sessionId}`).slice(0, 32)}`;
      const existing = await store.getConversation(id);
      if (!existing) {
        try {
          await create(id, sessionId);
        } catch (error) {
          if (!(await store.getConversation(id))) throw error; // a concurrent first message created it
        }
      }
      return { conversationId: id, token: sessionId };
    },
    sendMessage: send,
    async getConversation(id: string, token: string): Promise<ConversationView> {
      const loaded = await authorise(id, token);
      const events = await store.listEvents(id);
      const leak = await leakContextFor({ backends, store }, loaded);
      const clean = (text: string) => sanitizer.sanitize(text, leak).text;
      const usage = { ...ZERO_USAGE, modelCalls: 0, turns: loaded.record.turn };
      const messages: ConversationView['messages'] = [];
      const proposals: ConversationView['proposals'] = [];
      for (const e of events) {
        if (e.kind === 'customer_message') messages.push({ role: 'customer', text: (e.payload as { text: string }).text, at: e.createdAt });
        else if (e.kind === 'reply') messages.push({ role: 'agent', text: clean((e.payload as { text: string }).text), at: e.createdAt });
        else if (e.kind === 'proposal') {
          const p = e.payload as ProposalRecord;
          const input = sanitizer.leakIn(JSON.stringify(p.input) ?? '', leak) ? { redacted: true } : p.input;
          proposals.push({ tool: p.tool, input, state: p.state, decision: p.decision, reason: clean(p.reason), invariant: p.invariant, at: e.createdAt });
        } else if (e.kind === 'usage') {
          const u = e.payload as Usage & { modelCalls: number };
          usage.inputTokens += u.inputTokens;
          usage.outputTokens += u.outputTokens;
          usage.cacheReadTokens += u.cacheReadTokens;
          usage.cacheWriteTokens += u.cacheWriteTokens;
          usage.modelCalls += u.modelCalls;
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
    },
    async listRefunds(): Promise<RefundView[]> {
      return (await backends.payments.listRefunds()).map(toRefundView);
    },
    async listTickets(): Promise<TicketView[]> {
      return (await backends.tickets.listTickets()).map(toTicketView);
    },
    /** Finishes every pending effect (start-up and periodic sweep); returns how many ran. */
    async recoverPendingEffects(): Promise<number> {
      const pending = await store.listPendingEffects();
      let ran = 0;
      for (const conversationId of new Set(pending.map((p) => p.conversationId))) {
        const loaded = await load(conversationId);
        const keys = pending.filter((p) => p.conversationId === conversationId).map((p) => p.idempotencyKey);
        ran += (await engine.runEffects(loaded, keys)).length;
      }
      return ran;
    },
    usageTotals: () => ({ ...totals }),
    /** Stops accepting turns and waits (bounded) for those in flight. */
    async drain(timeoutMs: number): Promise<boolean> {
      accepting = false;
      const all = Promise.allSettled([...inFlight]).then(() => true);
      const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
      return Promise.race([all, timeout]);
    },
  };
}

export type Runtime = ReturnType<typeof createRuntime>;

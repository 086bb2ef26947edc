/**
 * The runtime: conversations (create, authorise, lease), turns, views, and the recovery of
 * pending effects. Takes every dependency; names no concrete adapter.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Backends } from '../backends/types.js';
import { MACHINE_VERSION } from '../machines/conversation.machine.js';
import type { Model } from '../models/types.js';
import { ZERO_USAGE } from '../models/types.js';
import type { Clock, RefundPolicy } from '../policy.js';
import type { ConversationStore } from '../store/types.js';
import { toAnthropicTools } from '../tools/to-anthropic.js';
import { TOOL_NAMES } from '../tools/registry.js';
import { initialSnapshot, persist, restore, stateOf } from './conversation-state.js';
import { createEngine, type FaultPoint, type Loaded } from './engine.js';
import { BusyError, NotFoundError, UnavailableError } from './errors.js';
import { buildSystemPrompt } from './prompt.js';
import { DEFAULT_RETRY, type RetryOptions } from './retry.js';
import { createSanitizer } from './sanitizer.js';
import { runTurn, type TurnOptions } from './turn.js';
import type { TurnResult } from './types.js';
import { buildConversationView, toRefundView, toTicketView, type ConversationView, type RefundView, type TicketView } from './views.js';

export type { ConversationView, RefundView, TicketView } from './views.js';
export { toRefundView, toTicketView } from './views.js';

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
  /** Where a conversation the sweep could not finish is reported (default: stderr). */
  onSweepError?: (conversationId: string, error: unknown) => void;
}

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
  let sweeping = false;
  const onSweepError = options.onSweepError ?? ((id: string, error: unknown) => process.stderr.write(`sweep: conversation ${id}: ${(error as Error)?.message ?? error}\n`));
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
    const work = (async () => {
      try {
        options.onStarted?.();
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
      return buildConversationView(await authorise(id, token), { store, backends, sanitizer });
    },
    async listRefunds(): Promise<RefundView[]> {
      return (await backends.payments.listRefunds()).map(toRefundView);
    },
    async listTickets(): Promise<TicketView[]> {
      return (await backends.tickets.listTickets()).map(toTicketView);
    },
    /** Finishes every pending effect (start-up and periodic sweep); returns how many ran. */
    async recoverPendingEffects(): Promise<number> {
      if (sweeping) return 0; // a sweep still running is not overlapped by the next one
      sweeping = true;
      try {
        const pending = await store.listPendingEffects();
        let ran = 0;
        for (const conversationId of new Set(pending.map((p) => p.conversationId))) {
          // one conversation that cannot be restored must not stop the others
          try {
            const loaded = await load(conversationId);
            const keys = pending.filter((p) => p.conversationId === conversationId).map((p) => p.idempotencyKey);
            ran += (await engine.runEffects(loaded, keys)).length;
          } catch (error) {
            onSweepError(conversationId, error);
          }
        }
        return ran;
      } finally {
        sweeping = false;
      }
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

/**
 * The runtime: conversations (create, authorise, lease), customer turns, operator actions, MCP
 * proposals, views, live events and the sweep. Takes every dependency (model, store, backends,
 * tools, effects, clock); names no concrete adapter, tool or effect.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { secureRandomBytes } from '../random.js';
import type { Backends } from '../backends/types.js';
import type { EffectRegistry, FaultPoint } from '../effects/types.js';
import { refundKey } from '../machines/conversation.context.js';
import { MACHINE_VERSION } from '../machines/conversation.machine.js';
import type { Model, ToolUseBlock } from '../models/types.js';
import { ZERO_USAGE } from '../models/types.js';
import type { Clock, RefundPolicy } from '../policy.js';
import type { ConversationRecord, ConversationStore, StoredEvent } from '../store/types.js';
import { toolSpecs } from '../tools/to-anthropic.js';
import type { ToolDeps, Toolset } from '../tools/types.js';
import { answerOffer } from './confirmation.js';
import { createEngine } from './engine.js';
import { BusyError, NotFoundError, UnavailableError } from './errors.js';
import { awaitingOf } from './facts.js';
import type { HeldConversation } from './held.js';
import { createLiveBus, toLiveEvent, type LiveAudience, type LiveEvent } from './live.js';
import { indexOf, initialSnapshot, persist, stateOf, statusOf, type MigrationDefaults } from './machine-steps.js';
import { actAsOperator, allowedOperatorEvents, type Operator, type OperatorAction } from './operator-actions.js';
import { buildOperatorView, buildQueue } from './operator-views.js';
import { buildSystemPrompt } from './prompt.js';
import { decide, type ProposalDeps } from './proposals.js';
import { DEFAULT_RETRY, type RetryOptions } from '../retry.js';
import { createSanitizer } from './sanitizer.js';
import { noTelemetry, type Telemetry } from './telemetry.js';
import { unlimited, type Limits } from './limits.js';
import { runTurn, type TurnOptions } from './turn.js';
import type { TurnEvent, TurnResult } from './types.js';
import {
  buildConversationView,
  toRefundView,
  toTicketView,
  type ConversationView,
  type RefundView,
  type TicketView,
} from './views.js';

export type { ConversationView, RefundView, TicketView } from './views.js';
export { toRefundView, toTicketView } from './views.js';

export interface RuntimeOptions {
  store: ConversationStore;
  backends: Backends;
  model: Model;
  policy: RefundPolicy;
  tools: Toolset;
  effects: EffectRegistry;
  clock?: Clock;
  retry?: RetryOptions;
  maxModelCalls?: number;
  turnTimeoutMs?: number;
  maxProposalsPerResponse?: number;
  effectClaimMs?: number;
  instanceId?: string;
  /** I13: ask the customer to confirm each refund (default true). */
  confirmRefunds?: boolean;
  /** I16: 'code' sends a one-time code before an account counts as verified (always over MCP). */
  verification?: 'email' | 'code';
  /** I14: hours a supervisor has to approve a request (default 24). */
  approvalHours?: number;
  /** Idle conversations (and their tokens) are purged by the sweep after this many days; 0 keeps them. */
  conversationTtlDays?: number;
  fault?: (point: FaultPoint) => void;
  /** Where a conversation the sweep could not finish is reported (default: stderr). */
  onSweepError?: (conversationId: string, error: unknown) => void;
  /** Logs, metrics and traces of turns, model calls and decisions (default: none). */
  telemetry?: Telemetry;
  /** Quotas on verification attempts and tickets, per client address (default: none). */
  limits?: Limits;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Compared against when a conversation is unknown, so both paths do the same work (no timing oracle). */
const DUMMY_HASH = sha256('no such conversation');

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
  const instanceId = options.instanceId ?? `inst-${secureRandomBytes(6).toString('hex')}`;
  const { store, backends, model, policy, tools: toolset } = options;
  const settings: MigrationDefaults = {
    confirmRefunds: options.confirmRefunds ?? true,
    verification: options.verification ?? 'email',
    approvalHours: options.approvalHours ?? 24,
  };
  const telemetry = options.telemetry ?? noTelemetry;
  const limits = options.limits ?? unlimited;
  const systemPrompt = buildSystemPrompt(policy);
  const specs = toolSpecs(toolset, 'chat');
  const sanitizer = createSanitizer({ refundLimitCents: policy.refundLimitCents, systemPrompt });
  const live = createLiveBus();
  const engine = createEngine({
    store,
    backends,
    effects: options.effects,
    clock,
    retry,
    instanceId,
    effectClaimMs: options.effectClaimMs ?? 30_000,
    migration: settings,
    committed: live.publish,
    observed: (o) => {
      if (o.kind === 'refund')
        telemetry.refund({ status: o.status, amountCents: o.status === 'done' ? o.amountCents : 0 });
    },
    escalated: (e) => telemetry.escalation(e),
    ...(options.fault ? { fault: options.fault } : {}),
  });
  const toolDeps: ToolDeps = {
    backends,
    policy,
    clock,
    refundEffect: async (orderId) => (await store.getEffect(refundKey(orderId)))?.status ?? null,
  };
  const proposals: ProposalDeps = {
    engine,
    toolset,
    toolDeps,
    retry,
    clock,
    store,
    limits,
    decided: (conversationId, r) =>
      telemetry.proposal({
        conversationId,
        toolUseId: r.toolUseId,
        tool: r.tool,
        state: r.state,
        decision: r.decision,
        code: r.code,
        invariant: r.invariant,
        source: r.source === 'mcp' ? 'mcp' : 'model',
      }),
  };
  const operatorDeps = {
    engine,
    clock,
    sanitizer,
    refundOf: async (orderId: string) => {
      const refund = await backends.payments.findRefundByOrder(orderId);
      return refund ? { refundId: refund.refundId } : null;
    },
  };
  const iso = (offsetMs = 0) => new Date(clock().getTime() + offsetMs).toISOString();
  const inFlight = new Set<Promise<unknown>>();
  let accepting = true;
  let sweeping = false;
  const onSweepError =
    options.onSweepError ??
    ((id: string, error: unknown) =>
      process.stderr.write(`sweep: conversation ${id}: ${(error as Error)?.message ?? error}\n`));
  const totals = { turns: 0, modelCalls: 0, ...ZERO_USAGE };

  async function load(id: string): Promise<HeldConversation> {
    const held = await engine.load(id);
    if (!held) throw new NotFoundError();
    return held;
  }

  /** Unknown and not-yours both answer 404, after the same work. */
  async function authoriseRecord(id: string, token: string) {
    // an unknown id and a wrong token do the same work (one indexed read, one comparison): no timing oracle
    const stored = await store.getTokenHash(id);
    const matches = sameHash(stored ?? DUMMY_HASH, sha256(token));
    if (stored === null || !matches) throw new NotFoundError();
    const record = await store.getConversation(id);
    if (!record) throw new NotFoundError();
    return record;
  }

  async function authorise(id: string, token: string): Promise<HeldConversation> {
    const held = await engine.load(id, await authoriseRecord(id, token));
    if (!held) throw new NotFoundError();
    return held;
  }

  async function create(id: string, token: string) {
    const input = {
      conversationId: id,
      refundLimitCents: policy.refundLimitCents,
      confirmRefunds: settings.confirmRefunds,
      verification: settings.verification,
      approvalHours: settings.approvalHours,
    };
    const snapshot = initialSnapshot(input);
    const stored = await store.createConversation({
      id,
      tokenHash: sha256(token),
      machineVersion: MACHINE_VERSION,
      snapshot: persist(snapshot),
      index: indexOf(snapshot),
      now: iso(),
      events: [{ kind: 'created', payload: { input, machineVersion: MACHINE_VERSION } }],
    });
    engine.created(id, stored);
    return { conversation_id: id, token, state: stateOf(snapshot) };
  }

  /**
   * Runs `work` on the conversation `token` opens, under its turn lease (one turn at a time; a
   * second gets 409). The lease is taken with the read of the conversation (one statement; unknown
   * and not-yours answer 404 after the same work), and released with the commit that ends the work.
   */
  async function leased<T>(id: string, token: string, work: (held: HeldConversation) => Promise<T>): Promise<T> {
    if (!accepting) throw new UnavailableError();
    const holder = `${instanceId}:${secureRandomBytes(4).toString('hex')}`;
    const taken = await store.leaseConversation(id, sha256(token), holder, iso(turnTimeoutMs + 15_000), iso());
    if (!taken.ok) throw taken.reason === 'busy' ? new BusyError(2) : new NotFoundError();
    const running = (async () => {
      let held: HeldConversation | null = null;
      try {
        held = await engine.load(id, taken.record);
        if (!held) throw new NotFoundError();
        engine.lease(held, holder, taken.pendingEffects);
        const result = await work(held);
        await engine.settle(held);
        return result;
      } finally {
        if (held) await engine.abandon(held);
        else await store.releaseLease(id, holder);
      }
    })();
    inFlight.add(running);
    try {
      return await running;
    } finally {
      inFlight.delete(running);
    }
  }

  async function send(id: string, token: string, message: string, turnOptions: TurnOptions = {}): Promise<TurnResult> {
    if (!accepting) throw new UnavailableError();
    return leased(id, token, async (held) => {
      turnOptions.onStarted?.();
      held.turn = held.record.turn + 1;
      const started = clock().getTime();
      const result = await telemetry.turn({ conversationId: id, turn: held.turn, model: model.name }, async (span) => {
        const r = await runTurn(
          {
            engine,
            model,
            toolset,
            toolSpecs: specs,
            proposals,
            policy,
            sanitizer,
            systemPrompt,
            maxModelCalls,
            turnTimeoutMs,
            maxProposalsPerResponse: options.maxProposalsPerResponse ?? 4,
            telemetry,
            limits,
          },
          held,
          message,
          turnOptions,
        );
        // the turn's staged steps commit with the lease's release, inside the turn's span
        await engine.settle(held);
        span.setAttributes({ 'support.machine.state': r.state, 'support.turn.status': r.status });
        telemetry.turnEnded({
          conversationId: id,
          state: r.state,
          status: r.status,
          modelCalls: r.usage.modelCalls,
          durationMs: clock().getTime() - started,
        });
        return r;
      });
      totals.turns++;
      totals.modelCalls += result.usage.modelCalls;
      totals.inputTokens += result.usage.inputTokens;
      totals.outputTokens += result.usage.outputTokens;
      totals.cacheReadTokens += result.usage.cacheReadTokens;
      totals.cacheWriteTokens += result.usage.cacheWriteTokens;
      return result;
    });
  }

  /** MCP: one tool call for the conversation this token opens, decided by the same machine path (source `mcp`). */
  async function proposeAsMcp(id: string, token: string, name: string, input: unknown) {
    return leased(id, token, async (held) => {
      await engine.finishPending(held);
      const events: TurnEvent[] = [];
      const use: ToolUseBlock = {
        type: 'tool_use',
        id: `mcp_${secureRandomBytes(9).toString('base64url')}`,
        name,
        input,
      };
      const decision = await decide(proposals, { held, via: 'mcp', emit: (e) => events.push(e), seen: new Set() }, use);
      await engine.settle(held);
      return {
        ...decision,
        state: stateOf(held.snapshot),
        status: statusOf(held.snapshot),
        awaiting: awaitingOf(held.snapshot),
      };
    });
  }

  /** MCP elicitation: the customer's answer to the open offer, as the MCP client collected it. */
  async function answerOfferAsMcp(id: string, token: string, offerId: string, answer: 'yes' | 'no') {
    return leased(id, token, async (held) => {
      if (held.snapshot.context.offer?.offerId !== offerId) return null;
      const outcome = await answerOffer({ engine, store, clock }, held, answer, 'mcp');
      await engine.settle(held);
      return outcome ? { ...outcome, state: stateOf(held.snapshot), awaiting: awaitingOf(held.snapshot) } : null;
    });
  }

  /** A conversation's live events after `afterN` (one indexed read; none when nothing new was committed). */
  async function eventsAfter(record: ConversationRecord, afterN: number, audience: LiveAudience): Promise<LiveEvent[]> {
    const events = afterN >= record.eventCount ? [] : await store.listEvents(record.id, afterN);
    return events.map((e) => toLiveEvent(e, audience)).filter((e): e is LiveEvent => e !== null);
  }

  return {
    instanceId,
    model,
    store,
    policy,
    toolset,
    toolNames: specs.map((t) => t.name),
    systemPrompt,
    live,
    /** Starts a conversation: a random id and a ≥128-bit bearer token (stored hashed). */
    async createConversation() {
      if (!accepting) throw new UnavailableError();
      const id = `conv_${secureRandomBytes(12).toString('hex')}`;
      const token = secureRandomBytes(32).toString('base64url');
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
    proposeAsMcp,
    answerOfferAsMcp,
    /** Checks a conversation token (MCP binds its sessions to it). */
    async authoriseToken(id: string, token: string): Promise<void> {
      await authoriseRecord(id, token);
    },
    /** The customer ends the conversation: its token opens nothing any more (the log and records stay). */
    async revokeConversation(id: string, token: string): Promise<void> {
      await authoriseRecord(id, token);
      await store.revokeToken(id);
    },
    async getConversation(id: string, token: string): Promise<ConversationView> {
      return buildConversationView(await authorise(id, token), { backends, sanitizer, toolset });
    },
    /** Live events of a conversation for its customer: the token is checked on every read. */
    async customerEvents(id: string, token: string, afterN: number): Promise<LiveEvent[]> {
      return eventsAfter(await authoriseRecord(id, token), afterN, 'customer');
    },
    async operatorEvents(id: string, afterN: number): Promise<LiveEvent[]> {
      const record = await store.getConversation(id);
      if (!record) throw new NotFoundError();
      return eventsAfter(record, afterN, 'operator');
    },
    subscribe: (id: string, listener: (events: StoredEvent[]) => void) => live.subscribe(id, listener),
    async listRefunds(): Promise<RefundView[]> {
      return (await backends.payments.listRefunds()).map(toRefundView);
    },
    async listTickets(): Promise<TicketView[]> {
      return (await backends.tickets.listTickets()).map(toTicketView);
    },
    async operatorQueue() {
      return buildQueue(store, clock);
    },
    async operatorView(id: string, operator: Operator) {
      const held = await load(id);
      return buildOperatorView(held, { backends, sanitizer, toolset }, allowedOperatorEvents(held, operator, iso()));
    },
    /** An operator's action (I14, I15): applied through the machine, recorded with the operator's name. */
    async operatorAct(id: string, operator: Operator, action: OperatorAction) {
      if (!accepting) throw new UnavailableError();
      const held = await load(id);
      await actAsOperator(operatorDeps, held, operator, action);
      return buildOperatorView(held, { backends, sanitizer, toolset }, allowedOperatorEvents(held, operator, iso()));
    },
    /** Finishes every pending effect and expires overdue approvals (start-up and periodic sweep). */
    async recoverPendingEffects(): Promise<number> {
      if (sweeping) return 0; // a sweep still running is not overlapped by the next one
      sweeping = true;
      try {
        let ran = 0;
        const pending = await store.listPendingEffects();
        for (const conversationId of new Set(pending.map((p) => p.conversationId))) {
          // one conversation that cannot be restored must not stop the others
          try {
            const held = await load(conversationId);
            const keys = pending.filter((p) => p.conversationId === conversationId).map((p) => p.idempotencyKey);
            ran += (await engine.runEffects(held, keys)).length;
            await engine.flush(held);
          } catch (error) {
            onSweepError(conversationId, error);
          }
        }
        for (const due of await store.listConversations({ dueBefore: iso() })) {
          try {
            const held = await load(due.id);
            const approval = held.snapshot.context.approval;
            if (!approval) continue;
            const expired = await engine.dispatch(
              held,
              { type: 'approval.expired', requestId: approval.requestId, at: iso() },
              {
                durable: true,
                events: [
                  {
                    kind: 'notice',
                    payload: {
                      text:
                        `Your refund request for order ${approval.orderId} is taking longer than expected; ` +
                        'a member of our team will contact you.',
                      topic: 'approval',
                    },
                  },
                ],
              },
            );
            if (expired.ok) ran++;
          } catch (error) {
            onSweepError(due.id, error);
          }
        }
        const ttlDays = options.conversationTtlDays ?? 30;
        if (ttlDays > 0) await store.purgeIdle(iso(-ttlDays * 86_400_000));
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

/**
 * Stepping the conversation machine: restoring stored snapshots (migrating older machine
 * versions), transitions without a throw-away actor per step, and what a snapshot says.
 */
import type { ActorScope, AnyActorScope, SnapshotFrom } from 'xstate';
import { createActor } from 'xstate';
import type { ConversationInput } from '../machines/conversation.context.js';
import { initialContext } from '../machines/conversation.context.js';
import type { EffectParams } from '../machines/conversation.effects.js';
import type { ConversationEvent } from '../machines/conversation.events.js';
import { MACHINE_VERSION, conversationMachine, type ConversationState } from '../machines/conversation.machine.js';
import type { ConversationStatus, PersistedConversation, SnapshotIndex } from '../store/types.js';

export type ConversationMachine = typeof conversationMachine;
export type ConversationSnapshot = SnapshotFrom<ConversationMachine>;

/** What a new conversation gets when a stored snapshot predates a setting (the server's configuration). */
export interface MigrationDefaults {
  confirmRefunds: boolean;
  verification: 'email' | 'code';
  approvalHours: number;
}

/** The snapshot a new conversation starts in: xstate's initialTransition, without building an actor each time. */
export function initialSnapshot(input: ConversationInput): ConversationSnapshot {
  return collecting((scope) => conversationMachine.getInitialSnapshot(scope, input)).value;
}

/** Restores a stored snapshot (migrating older machine versions). */
export function restore(
  persisted: PersistedConversation,
  machineVersion: number,
  defaults?: MigrationDefaults,
): ConversationSnapshot {
  return conversationMachine.resolveState(migrate(persisted, machineVersion, defaults));
}

/** Brings a snapshot stored by an older machine up to MACHINE_VERSION (idempotent). */
export function migrate(
  persisted: PersistedConversation,
  from: number,
  defaults?: MigrationDefaults,
): PersistedConversation {
  if (from > MACHINE_VERSION) throw new Error(`snapshot from a newer machine (version ${from}); upgrade this server`);
  if (from === MACHINE_VERSION) return persisted;
  const stored: Record<string, unknown> = { ...persisted.context };
  // v1 → v2: verification needs the emails the customer wrote; a v1 conversation's verified email counts
  if (!Array.isArray(stored.emailsGiven)) {
    const customer = persisted.context.customer;
    stored.emailsGiven = customer ? [customer.email.toLowerCase()] : [];
  }
  // v2 → v3: offers, approvals, takeovers, codes; a conversation already under way keeps today's settings
  const fresh = initialContext({
    conversationId: persisted.context.conversationId,
    refundLimitCents: persisted.context.refundLimitCents,
    confirmRefunds: defaults?.confirmRefunds ?? false,
    verification: 'email',
    approvalHours: defaults?.approvalHours ?? 24,
  });
  const context = { ...fresh, ...stored } as PersistedConversation['context'];
  if (context.pendingRefund)
    context.pendingRefund = {
      ...context.pendingRefund,
      unknownCount: context.pendingRefund.unknownCount ?? 0,
      approvedBy: context.pendingRefund.approvedBy ?? null,
    };
  return { value: persisted.value, context };
}

export function persist(snapshot: ConversationSnapshot): PersistedConversation {
  return { value: stateOf(snapshot), context: snapshot.context };
}

export function stateOf(snapshot: ConversationSnapshot): ConversationState {
  return snapshot.value as ConversationState;
}

const WAITING: ReadonlySet<string> = new Set(['escalated', 'awaiting-approval', 'human-active']);

export function statusOf(snapshot: ConversationSnapshot): ConversationStatus {
  const s = stateOf(snapshot);
  if (WAITING.has(s)) return 'escalated';
  if (s === 'resolved') return 'resolved';
  return 'open';
}

/** What the store indexes of a snapshot (queue, sweep). */
export function indexOf(snapshot: ConversationSnapshot): SnapshotIndex {
  const ctx = snapshot.context;
  const state = stateOf(snapshot);
  return {
    state,
    status: statusOf(snapshot),
    waiting: WAITING.has(state),
    wakeAt: ctx.approval?.deadline ?? null,
  };
}

/**
 * One inert actor scope, reused: `transition()` would build a throw-away actor (and run the context
 * factory without input) on every call. Transitions are synchronous, so one collector suffices.
 */
let scope: AnyActorScope | null = null;
let collected: Array<{ type: string; params?: unknown }> = [];
function inertScope(): AnyActorScope {
  if (scope) return scope;
  const self = createActor(conversationMachine, { input: { conversationId: '', refundLimitCents: 0 } });
  const s: ActorScope<ConversationSnapshot, ConversationEvent> = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (action) => {
      collected.push(action);
    },
  };
  scope = s as unknown as AnyActorScope;
  return scope;
}

/** Runs `body` against the inert scope: its result and the actions it executed, in order. */
function collecting<T>(body: (scope: AnyActorScope) => T): { value: T; actions: typeof collected } {
  collected = [];
  try {
    const value = body(inertScope());
    return { value, actions: collected };
  } finally {
    collected = [];
  }
}

export interface Step {
  next: ConversationSnapshot;
  /** The effects the transition emitted, in order. */
  effects: EffectParams[];
}

const isEffect = (a: { type: string; params?: unknown }): a is { type: 'effect'; params: EffectParams } =>
  a.type === 'effect' && typeof a.params === 'object' && a.params !== null;

/** Applies an event: the next snapshot and the effects it emitted, or null if the machine refuses it. */
export function step(snapshot: ConversationSnapshot, event: ConversationEvent): Step | null {
  if (!snapshot.can(event)) return null;
  const { value: next, actions } = collecting((scope) => conversationMachine.transition(snapshot, event, scope));
  return { next, effects: actions.filter(isEffect).map((a) => a.params) };
}

/**
 * The durable step, in one place: apply a machine event to a held conversation, turn the effects
 * it emitted into outbox rows (by their registered modules) and run them exactly once per
 * idempotency key. Steps without a side effect are staged in memory and committed together
 * (at the next side effect or at the end of the turn); a step with a side effect is committed
 * before the effect runs, and its outcome right after: that pair is the exactly-once guarantee.
 * Work under a turn lease ends in one write: what is staged commits with the lease's release.
 */
import { secureRandomBytes } from '../random.js';
import type { Backends } from '../backends/types.js';
import type { EffectOutcome } from '../effects/outcomes.js';
import type { AnyEffectModule, EffectRegistry, FaultPoint } from '../effects/types.js';
import { conversationEventSchema, type ConversationEvent } from '../machines/conversation.events.js';
import type { Clock } from '../policy.js';
import type {
  CommitStep,
  ConversationRecord,
  ConversationStore,
  EffectStatus,
  NewEffect,
  NewEvent,
  StoredEvent,
} from '../store/types.js';
import { createLogCache, type HeldConversation, type LogEntry } from './held.js';
import { awaitingOf } from './facts.js';
import {
  indexOf,
  persist,
  restore,
  stateOf,
  statusOf,
  step,
  type ConversationSnapshot,
  type MigrationDefaults,
} from './machine-steps.js';
import type { RetryOptions } from '../retry.js';

export interface EngineDeps {
  store: ConversationStore;
  backends: Backends;
  effects: EffectRegistry;
  clock: Clock;
  retry: RetryOptions;
  /** Who holds claims and leases (unique per process). */
  instanceId: string;
  /** How long an effect claim lasts before another process may take it over. */
  effectClaimMs: number;
  migration?: MigrationDefaults;
  fault?: (point: FaultPoint) => void;
  /** Told of every commit, with the events as stored (live streams, the inspector). */
  committed?: (conversationId: string, events: StoredEvent[]) => void;
  /** Told of every effect outcome (metrics). */
  observed?: (outcome: EffectOutcome) => void;
  /** Told of every escalation the machine records (metrics). */
  escalated?: (e: { priority: string; reason: string; source: string }) => void;
  /** Events of committed logs kept in memory between turns, in all (default 100,000; 0: none). */
  logCacheEvents?: number;
}

export interface DispatchOptions {
  /** Log entries committed with this step (the proposal record, say). */
  events?: NewEvent[];
  /** Text for a ticket this step opens (the customer's words). */
  ticketContext?: string;
  /** Commit now even without a side effect (outcomes of effects are recorded at once). */
  durable?: boolean;
  /** Effect rows this step completes (their outcome). */
  completeEffects?: CommitStep['completeEffects'];
  /** Run the effects it emitted now (default true). */
  run?: boolean;
}

export type Dispatched =
  | { ok: true; effects: string[]; outcomes: EffectOutcome[] }
  | { ok: false; reason: 'refused' }
  | { ok: false; reason: 'duplicate_effect'; idempotencyKey: string };

const MAX_CONFLICTS = 8;

/** The log entry of an applied machine event; a change of state also says what the customer now waits for. */
function factEntry(event: ConversationEvent, from: string, next: ConversationSnapshot): NewEvent {
  const to = stateOf(next);
  return {
    kind: 'fact',
    payload: { event, from, to, ...(to !== from ? { status: statusOf(next), awaiting: awaitingOf(next) } : {}) },
  };
}

export function createEngine(deps: EngineDeps) {
  const { store, clock } = deps;
  // a turn stages a dozen entries in the same millisecond: a time is formatted once per millisecond
  let stampMs = Number.NaN;
  let stamp = '';
  const iso = (offsetMs = 0) => {
    const ms = clock().getTime() + offsetMs;
    if (ms !== stampMs) {
      stampMs = ms;
      stamp = new Date(ms).toISOString();
    }
    return stamp;
  };
  // a fresh token per attempt: not even this process may run one effect twice at once (turn and sweep)
  const claimHolder = () => `${deps.instanceId}:${secureRandomBytes(6).toString('hex')}`;
  const moduleFor = (kind: string): AnyEffectModule | undefined =>
    Object.hasOwn(deps.effects, kind) ? (deps.effects as Record<string, AnyEffectModule>)[kind] : undefined;

  const logs = createLogCache(deps.logCacheEvents ?? 100_000);

  function hold(record: ConversationRecord, log: StoredEvent[]): HeldConversation {
    return {
      id: record.id,
      record,
      version: record.version,
      snapshot: restore(record.snapshot, record.machineVersion, deps.migration),
      turn: record.turn,
      log: [...log],
      staged: [],
    };
  }

  /**
   * The committed log as of `record` (its `eventCount`): from the cache, reading from the store
   * only the events committed since (by this process or another), or all of them on a miss.
   */
  async function logOf(record: ConversationRecord): Promise<StoredEvent[]> {
    const count = record.eventCount;
    const cached = logs.get(record.id);
    if (cached && cached.length === count) return cached;
    // the record was read before a commit this process has already cached: the log as of the record
    if (cached && cached.length > count) return cached.slice(0, count);
    const after = cached?.length ?? 0;
    const more = await store.listEvents(record.id, after);
    const log =
      cached && more.length && more[0]!.n === after + 1
        ? cached.concat(more)
        : after
          ? await store.listEvents(record.id)
          : more;
    // events committed after the record was read are left for the next read (the log matches the snapshot)
    const asOf = log.length > count ? log.slice(0, count) : log;
    logs.set(record.id, asOf);
    return asOf;
  }

  /** A conversation was just created with these events: its first turn need not read them back. */
  function created(id: string, events: StoredEvent[]): void {
    if (events.every((e, i) => e.n === i + 1)) logs.set(id, events);
  }

  /** Reads a conversation and its log once (the log stays in memory for the turn). */
  async function load(id: string, known?: ConversationRecord): Promise<HeldConversation | null> {
    const record = known ?? (await store.getConversation(id));
    if (!record) return null;
    return hold(record, await logOf(record));
  }

  /** Stages log entries (durable with the next commit). */
  function note(held: HeldConversation, ...events: NewEvent[]): void {
    for (const e of events) stageEntry(held, e);
  }

  /** A step into an escalation, or a raised one, is counted once (when it is applied). */
  function noteEscalation(before: HeldConversation['snapshot'], after: HeldConversation['snapshot']): void {
    const e = after.context.escalation;
    if (e && (before.context.escalation === null || before.context.escalation.priority !== e.priority))
      deps.escalated?.({ priority: e.priority, reason: e.reason, source: e.source });
  }

  function stageEntry(held: HeldConversation, event: NewEvent, fact?: ConversationEvent): void {
    held.staged.push(fact ? { event, fact } : { event });
    const entry: LogEntry = { kind: event.kind, payload: event.payload, turn: held.turn, createdAt: iso(), n: null };
    held.log.push(entry);
  }

  /** After a conflict: the fresh record and log, with the staged steps re-applied (refused ones superseded). */
  async function reloadAndReplay(held: HeldConversation): Promise<void> {
    const record = await store.getConversation(held.id);
    if (!record) throw new Error('conversation vanished');
    const fresh = hold(record, await logOf(record));
    fresh.turn = held.turn;
    for (const item of held.staged) {
      if (!item.fact) {
        stageEntry(fresh, item.event);
        continue;
      }
      const from = stateOf(fresh.snapshot);
      const s = step(fresh.snapshot, item.fact);
      if (s && s.effects.length === 0) {
        fresh.snapshot = s.next;
        stageEntry(fresh, factEntry(item.fact, from, s.next), item.fact);
      } else stageEntry(fresh, { kind: 'superseded', payload: { event: item.fact, state: from } });
    }
    Object.assign(held, fresh);
  }

  type Extra = {
    events?: NewEvent[];
    effects?: NewEffect[];
    completeEffects?: CommitStep['completeEffects'];
    releaseLease?: string;
  };
  type Committed =
    | { ok: true }
    | { ok: false; reason: 'conflict' }
    | { ok: false; reason: 'duplicate_effect'; idempotencyKey: string };

  /** One attempt: everything staged plus `extra`, compare-and-swapping the held snapshot. */
  async function commitOnce(held: HeldConversation, extra: Extra): Promise<Committed> {
    const events = [...held.staged.map((s) => s.event), ...(extra.events ?? [])];
    const result = await store.commit({
      conversationId: held.id,
      expectedVersion: held.version,
      snapshot: persist(held.snapshot),
      index: indexOf(held.snapshot),
      turn: held.turn,
      events,
      ...(extra.effects?.length ? { effects: extra.effects } : {}),
      ...(extra.completeEffects?.length ? { completeEffects: extra.completeEffects } : {}),
      ...(extra.releaseLease !== undefined ? { releaseLease: extra.releaseLease } : {}),
    });
    if (!result.ok) return result;
    logs.append(held.id, result.events);
    held.version = result.version;
    held.record = { ...held.record, version: result.version, turn: held.turn, snapshot: persist(held.snapshot) };
    held.log.splice(held.log.length - held.staged.length, held.staged.length);
    held.log.push(...result.events);
    held.staged = [];
    if (result.events.length) deps.committed?.(held.id, result.events);
    return { ok: true };
  }

  /** Commits what is staged plus log-only `extra`; on a conflict, reloads, replays the staged steps and retries. */
  async function commit(held: HeldConversation, extra: Extra = {}): Promise<void> {
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      const result = await commitOnce(held, extra);
      if (result.ok) return;
      if (result.reason === 'duplicate_effect') throw new Error(`unexpected duplicate effect ${result.idempotencyKey}`);
      await reloadAndReplay(held);
    }
    throw new Error('conversation is changing too fast; giving up');
  }

  /**
   * Commits what is staged (the end of a turn, or before anything must be durable). Under a lease
   * it waits for `settle`, which commits it together with the lease's release.
   */
  async function flush(held: HeldConversation): Promise<void> {
    if (held.staged.length === 0 || held.lease !== undefined) return;
    await commit(held);
  }

  /** Marks `held` as worked on under the turn lease `holder` (taken with the read: store.leaseConversation). */
  function lease(held: HeldConversation, holder: string, pendingEffects: boolean): void {
    held.lease = holder;
    held.pendingEffects = pendingEffects;
  }

  /** The end of leased work: commits what is staged and releases the lease, in one write. */
  async function settle(held: HeldConversation): Promise<void> {
    const holder = held.lease;
    if (holder === undefined) return flush(held);
    if (held.staged.length === 0) await store.releaseLease(held.id, holder);
    else await commit(held, { releaseLease: holder });
    delete held.lease;
  }

  /** Leased work that failed: releases the lease; what is staged is not committed (as if never staged). */
  async function abandon(held: HeldConversation): Promise<void> {
    const holder = held.lease;
    if (holder === undefined) return;
    delete held.lease;
    await store.releaseLease(held.id, holder);
  }

  /** True (after reloading) when someone else committed to this conversation since it was read. */
  async function catchUp(held: HeldConversation): Promise<boolean> {
    // work started alongside (an operator's takeover requested in the same instant) reaches the
    // store first: the check then sees it, and the safer order (no model call) wins the tie
    await new Promise<void>((resolve) => setImmediate(resolve));
    const version = await store.getVersion(held.id);
    if (version === null || version === held.version) return false;
    await reloadAndReplay(held);
    await flush(held);
    return true;
  }

  function effectRows(
    next: HeldConversation['snapshot'],
    effects: ReturnType<typeof step>,
    ticketContext: string,
  ): NewEffect[] {
    const rows: NewEffect[] = [];
    for (const params of effects?.effects ?? []) {
      const module = moduleFor(params.kind);
      if (!module) throw new Error(`no effect module for kind ${params.kind}`);
      const built = module.request(next.context, params, { ticketContext });
      if (built) rows.push({ idempotencyKey: built.key, kind: params.kind, request: built.request });
    }
    return rows;
  }

  /**
   * Applies `event`. Without a side effect it is staged (unless `durable`); with one, it is committed
   * with its outbox rows before anything runs, then the effects run (unless `run: false`).
   */
  async function dispatch(
    held: HeldConversation,
    event: ConversationEvent,
    options: DispatchOptions = {},
  ): Promise<Dispatched> {
    // facts are built from backend data: an event off the contract is a bug, never a transition
    conversationEventSchema.parse(event);
    const ticketContext = options.ticketContext ?? '';
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      const from = stateOf(held.snapshot);
      const s = step(held.snapshot, event);
      if (!s) return { ok: false, reason: 'refused' };
      const rows = effectRows(s.next, s, ticketContext);
      const fact = factEntry(event, from, s.next);
      if (rows.length === 0 && !options.durable && !options.completeEffects?.length) {
        noteEscalation(held.snapshot, s.next);
        held.snapshot = s.next;
        for (const e of options.events ?? []) stageEntry(held, e);
        stageEntry(held, fact, event);
        return { ok: true, effects: [], outcomes: [] };
      }
      const previous = held.snapshot;
      held.snapshot = s.next;
      // effects run right after this commit are inserted claimed by their run (no separate claim write)
      const runNow = options.run !== false;
      const claim = runNow ? { holder: claimHolder(), until: iso(deps.effectClaimMs) } : undefined;
      const claimed = claim ? rows.map((r) => ({ ...r, claim })) : rows;
      const committed = await commitOnce(held, {
        events: [...(options.events ?? []), fact],
        effects: claimed,
        completeEffects: options.completeEffects,
      });
      if (committed.ok) {
        noteEscalation(previous, held.snapshot);
        const keys = rows.map((r) => r.idempotencyKey);
        const outcomes = !runNow || keys.length === 0 ? [] : await runEffects(held, keys, claimed);
        return { ok: true, effects: keys, outcomes };
      }
      held.snapshot = previous;
      if (committed.reason === 'duplicate_effect') return committed;
      // someone else committed meanwhile: reload, replay what is staged, decide the event again
      await reloadAndReplay(held);
    }
    throw new Error('conversation is changing too fast; giving up');
  }

  /**
   * Runs one pending effect to its outcome and records it on the conversation. Returns null when
   * the effect is not pending or another worker holds its claim.
   */
  async function runEffect(
    held: HeldConversation,
    key: string,
    inserted?: NewEffect,
  ): Promise<{ outcome: EffectOutcome; next: string[] } | null> {
    let effect: Pick<NewEffect, 'kind' | 'request'>;
    let holder: string;
    if (inserted?.claim) {
      // just committed, claimed for this attempt: what is stored is what was sent (as JSON)
      effect = { kind: inserted.kind, request: JSON.parse(JSON.stringify(inserted.request)) };
      holder = inserted.claim.holder;
    } else {
      const stored = await store.getEffect(key);
      if (!stored || stored.status !== 'pending') return null;
      effect = stored;
      holder = claimHolder();
      if (!moduleFor(stored.kind)) throw new Error(`no effect module for stored kind ${stored.kind}`);
      if (!(await store.claimEffect(key, holder, iso(deps.effectClaimMs), iso()))) return null;
    }
    const module = moduleFor(effect.kind);
    if (!module) throw new Error(`no effect module for stored kind ${effect.kind}`);
    const request = module.requestSchema.parse(effect.request);
    const outcome: EffectOutcome = await module.execute(request, {
      backends: deps.backends,
      clock,
      retry: deps.retry,
      ...(deps.fault ? { fault: deps.fault } : {}),
    });
    deps.observed?.(outcome);
    const status: EffectStatus | null = module.status(outcome);
    const event = module.outcomeEvent(outcome, request);
    const effectLog: NewEvent = { kind: 'effect', payload: { idempotencyKey: key, kind: effect.kind, outcome } };
    if (status === null) await store.releaseEffect(key, holder); // unknown: reconciled later with the same key (I8)
    const completeEffects = status === null ? [] : [{ idempotencyKey: key, status, response: outcome }];
    const applied = event
      ? await dispatch(held, event, { events: [effectLog], completeEffects, durable: true, run: false })
      : null;
    if (!applied?.ok) {
      // no event, or the machine had moved on (e.g. escalated): still record the outcome, once
      await commit(held, { events: [effectLog], completeEffects });
    }
    deps.fault?.('after-commit');
    return { outcome, next: applied?.ok ? applied.effects : [] };
  }

  /**
   * Runs the given effects and any they cause (a failed refund opens a ticket), in order.
   * `inserted`: rows just committed claimed.
   */
  async function runEffects(
    held: HeldConversation,
    keys: string[],
    inserted: NewEffect[] = [],
  ): Promise<EffectOutcome[]> {
    const outcomes: EffectOutcome[] = [];
    const queue = [...keys];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const key = queue.shift()!;
      if (seen.has(key)) continue;
      seen.add(key);
      const ran = await runEffect(
        held,
        key,
        inserted.find((r) => r.idempotencyKey === key),
      );
      if (!ran) continue;
      outcomes.push(ran.outcome);
      for (const next of ran.next) if (!seen.has(next)) queue.push(next);
    }
    return outcomes;
  }

  /** Finishes what a crash or an unknown outcome left pending on this conversation. */
  async function finishPending(held: HeldConversation): Promise<EffectOutcome[]> {
    // the lease's read said none was pending (asked once per lease): a later one is run by its committer
    const known = held.pendingEffects;
    held.pendingEffects = undefined;
    if (known === false) return [];
    const pending = await store.listPendingEffects(held.id);
    return pending.length
      ? runEffects(
          held,
          pending.map((p) => p.idempotencyKey),
        )
      : [];
  }

  return {
    created,
    load,
    note,
    dispatch,
    flush,
    lease,
    settle,
    abandon,
    commit,
    catchUp,
    runEffects,
    finishPending,
    reloadAndReplay,
  };
}

export type Engine = ReturnType<typeof createEngine>;

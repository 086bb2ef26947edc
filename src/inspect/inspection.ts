/**
 * A conversation's facts as Stately inspection events, made by @statelyai/inspect itself: an
 * `@xstate.actor` message carrying the machine definition, then `@xstate.event` and
 * `@xstate.snapshot` per fact. The package's `serialize` hook stamps each message with the
 * conversation id (sessionId and rootId), the stored commit time and a stable id; its
 * `sanitizeContext` / `sanitizeEvent` hooks redact customer PII. Nothing here is capped.
 */
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { ActorRefLike, AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { initialSnapshot, snapshotAt, step } from './fold.js';
import { createRedactor, type Redactor } from './redact.js';
import type { ConversationLog, Fact } from './types.js';

export type InspectionMessage = StatelyInspectionEvent;
export type InspectorOptions = NonNullable<Parameters<typeof createInspector>[1]>;
/** What this module needs of an inspector (createInspector's and createWebSocketInspector's both fit). */
export type InspectorLike = Pick<ReturnType<typeof createInspector>, 'actor' | 'event' | 'snapshot'>;

/** One inspection message and the seq of the fact it comes from (0 for the definition). */
export interface SequencedMessage {
  seq: number;
  message: InspectionMessage;
}

/** The package's default depth (10) would cut the definition and deep contexts short. */
export const SERIALIZATION_DEPTH = 64;

/** A conversation being inspected: folds facts through the machine and sends them. */
export interface ConversationFeed {
  readonly conversationId: string;
  /** The last fact sent (0 before any). */
  readonly lastSeq: number;
  readonly snapshot: AnyMachineSnapshot;
  /** Learns names to redact (pass the whole log first when it is known in advance). */
  learn(value: unknown): void;
  /** Folds one fact and sends its event and snapshot; a fact at or below lastSeq is skipped. */
  push(fact: Fact): void;
}

export interface InspectionChannel<I extends InspectorLike> {
  readonly inspector: I;
  /** The seq of the fact whose message is being sent right now. */
  readonly seq: number;
  /**
   * Sends the actor message (with the definition) and returns the feed for the conversation's facts.
   * `start` resumes from a recorded state (a conversation first seen mid-way) instead of the initial one.
   */
  open(
    conversationId: string,
    input: Record<string, unknown>,
    at: string,
    start?: { state: string; context: unknown },
  ): ConversationFeed;
}

interface Stamp {
  conversationId: string;
  seq: number;
  at: string;
  redactor: Redactor;
}

const epochMs = (iso: string) => {
  const ms = Date.parse(iso);
  return String(Number.isNaN(ms) ? Date.now() : ms);
};

const inspected = (s: AnyMachineSnapshot) => ({
  status: s.status,
  value: s.value,
  context: s.context,
  output: s.output,
});

/**
 * Creates the channel over an inspector built by `make` from the options this module needs
 * (pass them on to createInspector / createWebSocketInspector, adding your own).
 */
export function createInspectionChannel<I extends InspectorLike>(
  machine: AnyStateMachine,
  make: (options: InspectorOptions) => I,
): InspectionChannel<I> {
  let current: Stamp | null = null;
  // adapters may serialize a message twice (the WebSocket adapter does, for deferred ones): stamp once
  const stamped = new WeakSet<object>();
  const fallback = () => createRedactor();

  const inspector = make({
    serializationDepthLimit: SERIALIZATION_DEPTH,
    sanitizeContext: (context) => (current?.redactor ?? fallback()).redact(context),
    sanitizeEvent: (event) => (current?.redactor ?? fallback()).redact(event),
    serialize: (message) => {
      if (stamped.has(message) || current === null) return message;
      const { conversationId, seq, at } = current;
      const kind = message.type.replace('@xstate.', '');
      const out: InspectionMessage =
        message.type === '@xstate.actor'
          ? {
              ...message,
              rootId: conversationId,
              parentId: undefined,
              sessionId: conversationId,
              createdAt: epochMs(at),
              id: `${conversationId}:${seq}:${kind}`,
            }
          : {
              ...message,
              rootId: conversationId,
              sessionId: conversationId,
              createdAt: epochMs(at),
              id: `${conversationId}:${seq}:${kind}`,
            };
      stamped.add(out);
      return out;
    },
  });

  function sending(stamp: Stamp, send: () => void): void {
    current = stamp;
    try {
      send();
    } finally {
      current = null;
    }
  }

  return {
    inspector,
    get seq() {
      return current?.seq ?? 0;
    },
    open(conversationId, input, at, start) {
      const redactor = createRedactor();
      let snapshot = (start && snapshotAt(machine, start.state, start.context)) || initialSnapshot(machine, input);
      let lastSeq = 0;
      redactor.learn(snapshot.context);
      const actor: ActorRefLike & { logic: AnyStateMachine } = {
        sessionId: conversationId,
        logic: machine,
        send: () => {},
        getSnapshot: () => snapshot,
      };
      // the definition is sent only when actor() gets the machine as `logic`
      sending({ conversationId, seq: 0, at, redactor }, () => inspector.actor(actor, inspected(snapshot)));
      return {
        conversationId,
        get lastSeq() {
          return lastSeq;
        },
        get snapshot() {
          return snapshot;
        },
        learn: (value) => redactor.learn(value),
        push(fact) {
          if (fact.seq <= lastSeq) return;
          redactor.learn(fact.event);
          const result = step(machine, snapshot, fact.event);
          // the log is the truth: if this machine would go elsewhere, show the recorded state
          const next =
            result.state === fact.to
              ? result.snapshot
              : (snapshotAt(machine, fact.to, result.snapshot.context) ?? result.snapshot);
          redactor.learn(next.context);
          sending({ conversationId, seq: fact.seq, at: fact.at, redactor }, () => {
            inspector.event(conversationId, fact.event);
            inspector.snapshot(conversationId, inspected(next), { event: fact.event });
          });
          snapshot = next;
          lastSeq = fact.seq;
        },
      };
    },
  };
}

/** Opens a feed for a log and sends all of its facts. */
export function feedLog<I extends InspectorLike>(
  channel: InspectionChannel<I>,
  log: ConversationLog,
): ConversationFeed {
  const feed = channel.open(log.conversationId, log.input, log.facts[0]?.at ?? new Date().toISOString());
  feed.learn(log.facts.map((f) => f.event));
  for (const fact of log.facts) feed.push(fact);
  return feed;
}

/** Collects inspection messages in memory, with the seq of the fact each comes from. */
export function createCollector(machine: AnyStateMachine) {
  const messages: SequencedMessage[] = [];
  const channel: InspectionChannel<InspectorLike> = createInspectionChannel(machine, (options) =>
    createInspector({ send: (message) => messages.push({ seq: channel.seq, message }) }, options),
  );
  return { channel, messages };
}

/** Every inspection message of a conversation, in order: the definition, then event + snapshot per fact. */
export function inspectionEvents(machine: AnyStateMachine, log: ConversationLog): SequencedMessage[] {
  const { channel, messages } = createCollector(machine);
  feedLog(channel, log);
  return messages;
}

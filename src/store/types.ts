/** The conversation store: snapshots with versions, an append-only event log, an effects outbox. */
import type { ConversationContext } from '../machines/conversation.context.js';

/** What is persisted of a machine snapshot: its state value and context (JSON). */
export interface PersistedConversation {
  value: string;
  context: ConversationContext;
}

export type ConversationStatus = 'open' | 'resolved' | 'escalated';

export interface ConversationRecord {
  id: string;
  version: number;
  machineVersion: number;
  snapshot: PersistedConversation;
  tokenHash: string;
  /** Number of customer turns started. */
  turn: number;
  /** Events in this conversation's log (the last event's `n`). */
  eventCount: number;
  state: string;
  status: ConversationStatus;
  /** Since when the conversation waits for a person (escalated, approval, takeover), or null. */
  waitingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export type EventKind =
  | 'created'
  | 'customer_message'
  | 'assistant_message'
  | 'tool_results'
  | 'proposal'
  | 'fact'
  | 'effect'
  | 'reply'
  | 'usage'
  | 'foreign_terms'
  | 'error'
  | 'note'
  | 'notice'
  | 'operator_message'
  | 'operator_action'
  | 'superseded';

export interface NewEvent {
  kind: EventKind;
  payload: unknown;
}

export interface StoredEvent extends NewEvent {
  /** Global insertion order (not commit order across conversations: read a conversation by `n`). */
  seq: number;
  /** Position in this conversation's log, 1-based, in commit order (assigned under the conversation's row lock). */
  n: number;
  conversationId: string;
  turn: number;
  createdAt: string;
}

export type EffectStatus = 'pending' | 'done' | 'failed';

export interface NewEffect {
  idempotencyKey: string;
  kind: string;
  request: unknown;
  /**
   * Inserted already claimed by this holder until then (its first attempt counted): the committer
   * runs it next without claiming it in another write. After a crash the claim expires as usual.
   */
  claim?: { holder: string; until: string };
}

export interface EffectRecord extends NewEffect {
  conversationId: string;
  status: EffectStatus;
  response: unknown;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** What the store indexes of a snapshot, so queues and sweeps need not parse every snapshot. */
export interface SnapshotIndex {
  state: string;
  status: ConversationStatus;
  /** Waiting for a person now (the queue's wait time starts when this becomes true). */
  waiting: boolean;
  /** When the sweep must look at it next (an approval's deadline), or null. */
  wakeAt: string | null;
}

export interface CommitStep {
  conversationId: string;
  /** The version read; the commit fails with 'conflict' if another writer moved it. */
  expectedVersion: number;
  snapshot: PersistedConversation;
  index: SnapshotIndex;
  turn: number;
  events: NewEvent[];
  /** Effects to insert; an existing idempotency key fails the whole step with 'duplicate_effect'. */
  effects?: NewEffect[];
  /** Effects whose outcome this step records. */
  completeEffects?: Array<{ idempotencyKey: string; status: EffectStatus; response: unknown }>;
  /** Releases the turn lease this holder took, in the same write (the end of a turn). */
  releaseLease?: string;
}

export type CommitResult =
  | { ok: true; version: number; events: StoredEvent[] }
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'duplicate_effect'; idempotencyKey: string };

/** A turn lease taken together with the read of the conversation (one statement). */
export type LeaseResult =
  | {
      ok: true;
      record: ConversationRecord;
      /** Whether an outbox effect of this conversation was pending when the lease was taken. */
      pendingEffects: boolean;
    }
  /** `not_found`: no such conversation, or the token hash does not open it (the same answer). */
  | { ok: false; reason: 'not_found' | 'busy' };

export interface NewConversation {
  id: string;
  tokenHash: string;
  machineVersion: number;
  snapshot: PersistedConversation;
  index: SnapshotIndex;
  now: string;
  events: NewEvent[];
}

export interface ConversationStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly description: string;
  /** Creates the conversation with its first events; answers them as stored. */
  createConversation(record: NewConversation): Promise<StoredEvent[]>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /** The token hash only: authorisation reads no more of a conversation than this until the token matched. */
  getTokenHash(id: string): Promise<string | null>;
  /** The current version only (cheap: tells a turn whether someone else committed meanwhile). */
  getVersion(id: string): Promise<number | null>;
  /** Takes the turn lease if free or expired. */
  acquireLease(id: string, holder: string, until: string, now: string): Promise<boolean>;
  releaseLease(id: string, holder: string): Promise<void>;
  /**
   * Takes the turn lease of the conversation that `tokenHash` opens and reads it, in one write:
   * the record as of the lease, and whether effects are pending. Unknown and not-yours cost the same.
   */
  leaseConversation(id: string, tokenHash: string, holder: string, until: string, now: string): Promise<LeaseResult>;
  /** One transaction: compare-and-swap the snapshot, append events, insert/complete effects. */
  commit(step: CommitStep): Promise<CommitResult>;
  /** Appends events without changing the snapshot (operator messages, rejected proposals outside a turn). */
  appendEvents(conversationId: string, turn: number, events: NewEvent[]): Promise<StoredEvent[]>;
  /** The log in commit order; `afterN` reads only what came after (a live stream's resume point). */
  listEvents(conversationId: string, afterN?: number): Promise<StoredEvent[]>;
  /** Conversations by state (the operators' queue) or due for the sweep (`wakeAt` passed). */
  listConversations(filter: { states?: string[]; dueBefore?: string; limit?: number }): Promise<ConversationRecord[]>;
  listConversationIds(): Promise<string[]>;
  /** Makes the conversation's token open nothing any more (the customer ended it). */
  revokeToken(id: string): Promise<boolean>;
  /**
   * Deletes conversations idle since `before` (not waiting for a person, no effect pending) with their
   * tokens and logs; the audit of money movements (effect outcomes), refunds and tickets are kept.
   */
  purgeIdle(before: string): Promise<number>;
  getEffect(idempotencyKey: string): Promise<EffectRecord | null>;
  listPendingEffects(conversationId?: string): Promise<EffectRecord[]>;
  /** Claims a pending effect for execution: exclusive until `until`, whoever asks (use a fresh holder per attempt). */
  claimEffect(idempotencyKey: string, holder: string, until: string, now: string): Promise<boolean>;
  /** Releases a claim after an attempt whose outcome is still unknown (the claim counted the attempt). */
  releaseEffect(idempotencyKey: string, holder: string): Promise<void>;
  close(): Promise<void>;
}

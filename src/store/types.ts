/** The conversation store: snapshots with versions, an append-only event log, an effects outbox. */
import type { ConversationContext } from '../machines/conversation.context.js';

/** What is persisted of a machine snapshot: its state value and context (JSON). */
export interface PersistedConversation {
  value: string;
  context: ConversationContext;
}

export interface ConversationRecord {
  id: string;
  version: number;
  machineVersion: number;
  snapshot: PersistedConversation;
  tokenHash: string;
  /** Number of customer turns started. */
  turn: number;
  createdAt: string;
  updatedAt: string;
}

export type EventKind =
  | 'customer_message'
  | 'assistant_message'
  | 'tool_results'
  | 'proposal'
  | 'fact'
  | 'effect'
  | 'reply'
  | 'usage'
  | 'foreign_terms'
  | 'error';

export interface NewEvent {
  kind: EventKind;
  payload: unknown;
}

export interface StoredEvent extends NewEvent {
  seq: number;
  conversationId: string;
  turn: number;
  createdAt: string;
}

export type EffectKind = 'refund' | 'ticket';
export type EffectStatus = 'pending' | 'done' | 'failed';

export interface NewEffect {
  idempotencyKey: string;
  kind: EffectKind;
  request: unknown;
}

export interface EffectRecord extends NewEffect {
  conversationId: string;
  status: EffectStatus;
  response: unknown;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

export interface CommitStep {
  conversationId: string;
  /** The version read; the commit fails with 'conflict' if another writer moved it. */
  expectedVersion: number;
  snapshot: PersistedConversation;
  turn: number;
  events: NewEvent[];
  /** Effects to insert; an existing idempotency key fails the whole step with 'duplicate_effect'. */
  effects?: NewEffect[];
  /** Effects whose outcome this step records. */
  completeEffects?: Array<{ idempotencyKey: string; status: EffectStatus; response: unknown }>;
}

export type CommitResult =
  | { ok: true; version: number }
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'duplicate_effect'; idempotencyKey: string };

export interface ConversationStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly description: string;
  createConversation(record: { id: string; tokenHash: string; machineVersion: number; snapshot: PersistedConversation; now: string }): Promise<void>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /** Every conversation id, oldest first (replay checks, inspection tools). */
  listConversationIds(): Promise<string[]>;
  /** Takes the turn lease if free or expired. */
  acquireLease(id: string, holder: string, until: string, now: string): Promise<boolean>;
  releaseLease(id: string, holder: string): Promise<void>;
  /** One transaction: compare-and-swap the snapshot, append events, insert/complete effects. */
  commit(step: CommitStep): Promise<CommitResult>;
  /** Appends events without changing the snapshot (messages, rejected proposals). */
  appendEvents(conversationId: string, turn: number, events: NewEvent[]): Promise<void>;
  listEvents(conversationId: string): Promise<StoredEvent[]>;
  getEffect(idempotencyKey: string): Promise<EffectRecord | null>;
  listPendingEffects(conversationId?: string): Promise<EffectRecord[]>;
  /** Claims a pending effect for execution: exclusive until `until`, whoever asks (use a fresh holder per attempt). */
  claimEffect(idempotencyKey: string, holder: string, until: string, now: string): Promise<boolean>;
  /** Releases a claim after an attempt whose outcome is still unknown (the claim counted the attempt). */
  releaseEffect(idempotencyKey: string, holder: string): Promise<void>;
  close(): Promise<void>;
}

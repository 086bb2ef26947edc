/**
 * A conversation held for work (a customer turn, an operator action, a sweep): its record, the
 * restored snapshot and the event log, read once and kept in memory, plus the steps staged since
 * the last commit. The engine keeps it in step with the store.
 */
import type { ConversationEvent } from '../machines/conversation.events.js';
import type { ConversationRecord, NewEvent, StoredEvent } from '../store/types.js';
import type { ConversationSnapshot } from './machine-steps.js';

/** A log entry: committed (with its number) or staged (n is null until the commit). */
export type LogEntry = Pick<StoredEvent, 'kind' | 'payload' | 'turn' | 'createdAt'> & { n: number | null };

export interface StagedStep {
  event: NewEvent;
  /** The machine event behind a staged `fact` entry (re-applied after a conflict). */
  fact?: ConversationEvent;
}

export interface HeldConversation {
  readonly id: string;
  record: ConversationRecord;
  /** The version the snapshot was committed at (the compare-and-swap's expectation). */
  version: number;
  snapshot: ConversationSnapshot;
  /** The customer turn this work belongs to. */
  turn: number;
  /** Committed entries, then the staged ones. */
  log: LogEntry[];
  staged: StagedStep[];
}

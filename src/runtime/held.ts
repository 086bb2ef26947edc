/**
 * A conversation held for work (a customer turn, an operator action, a sweep): its record, the
 * restored snapshot and the event log, read once and kept in memory, plus the steps staged since
 * the last commit. The engine keeps it in step with the store. The committed log is also kept
 * between turns (an in-process cache keyed by the last event number), so a turn reads only what
 * was committed since, by any process.
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
  /**
   * The turn lease this work holds (set by the engine's `lease`): its staged steps are committed
   * together with the lease's release when the work settles, so a turn ends in one write.
   */
  lease?: string;
  /** Whether an outbox effect was pending when the conversation was leased (unknown: undefined). */
  pendingEffects?: boolean;
}

/**
 * The committed logs of recently held conversations, least recently used first out, bounded by
 * their total number of events. Entries are shared, never mutated (the log is append-only).
 */
export function createLogCache(maxEvents: number) {
  const logs = new Map<string, StoredEvent[]>();
  let total = 0;
  const drop = (id: string) => {
    const log = logs.get(id);
    if (log) total -= log.length;
    logs.delete(id);
  };
  return {
    /** The cached log (its last entry's n is its length), refreshed as most recently used. */
    get(id: string): StoredEvent[] | undefined {
      const log = logs.get(id);
      if (log) {
        logs.delete(id);
        logs.set(id, log);
      }
      return log;
    },
    set(id: string, log: StoredEvent[]): void {
      drop(id);
      if (maxEvents <= 0 || log.length > maxEvents / 4) return; // a huge log is read from the store each time
      logs.set(id, log);
      total += log.length;
      for (const oldest of logs.keys()) {
        if (total <= maxEvents) break;
        drop(oldest);
      }
    },
    /** Appends events committed after the cached ones; anything out of line drops the entry. */
    append(id: string, events: StoredEvent[]): void {
      const log = logs.get(id);
      if (!log || events.length === 0) return;
      if (events[0]!.n !== log.length + 1) return drop(id);
      this.set(id, log.concat(events));
    },
    drop,
  };
}

export type LogCache = ReturnType<typeof createLogCache>;

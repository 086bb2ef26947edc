/**
 * The customer's transcript, fed by three routes that may deliver the same message twice: the
 * conversation view (on load and after each turn), the live event stream, and the page itself
 * (the message just sent, the reply just streamed). Server messages (notices included) are
 * identified by role + time + text: the live event's `at` and the view's are the same stored
 * event's `createdAt`. The page's own ones stay "pending" until the server's copy arrives.
 */
import type { ChatMessage } from '../shared/contract.js';

export interface Entry extends ChatMessage {
  key: string;
  pending: boolean;
}

interface Pending extends ChatMessage {
  /** Copies of this text the server had (or was about to have) before this one: it is confirmed by the next. */
  prior: number;
  serial: number;
}

/** How many times each (role, text) occurs among the server's messages at some moment. */
export type Counts = ReadonlyMap<string, number>;

const keyOf = (m: ChatMessage) => `${m.role}|${m.at}|${m.text}`;
const textKey = (m: ChatMessage) => `${m.role}|${m.text.replace(/\s+/g, ' ').trim()}`;

export class Transcript {
  private history: ChatMessage[] = [];
  private keys = new Set<string>();
  private pending: Pending[] = [];
  /** Every live message, so a view fetched meanwhile does not drop one it had not seen yet. */
  private live: ChatMessage[] = [];
  private serial = 0;

  /** A marker to pass to `replace` for a view requested now. */
  mark(): number {
    return this.live.length;
  }

  /** The server's full list (the view), plus live messages that arrived after `mark` and it lacks. */
  replace(messages: ChatMessage[], mark: number): void {
    const keys = new Set(messages.map(keyOf));
    const extras = this.live.slice(mark).filter((m) => !keys.has(keyOf(m)));
    this.history = [...messages, ...extras];
    this.keys = new Set(this.history.map(keyOf));
    this.reconcile();
  }

  /** A message from the live stream; false when it was already known. */
  receive(message: ChatMessage): boolean {
    const key = keyOf(message);
    this.live.push(message);
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    this.history.push(message);
    this.reconcile();
    return true;
  }

  /** The server's messages counted by role and text, e.g. when a turn starts (see addPending). */
  counts(): Counts {
    const counts = new Map<string, number>();
    for (const m of this.history) counts.set(textKey(m), (counts.get(textKey(m)) ?? 0) + 1);
    return counts;
  }

  /**
   * The page's own copy of a message, shown until the server has one copy more than it had at
   * `before` (default: now). A turn's reply passes the counts from the turn's start, in case the
   * live stream delivered the reply before the turn ended.
   */
  addPending(message: ChatMessage, before: Counts = this.counts()): void {
    const key = textKey(message);
    const queued = this.pending.filter((p) => textKey(p) === key).length;
    this.pending.push({ ...message, prior: (before.get(key) ?? 0) + queued, serial: this.serial++ });
    this.reconcile();
  }

  /** Drops the page's copies (e.g. a message that was refused and not stored). */
  dropPending(match: (m: ChatMessage) => boolean): void {
    this.pending = this.pending.filter((p) => !match(p));
  }

  private reconcile(): void {
    const counts = this.counts();
    this.pending = this.pending.filter((p) => (counts.get(textKey(p)) ?? 0) <= p.prior);
  }

  /** What to show, oldest first: server messages by time (ties in arrival order), then the pending ones. */
  entries(): Entry[] {
    const server = this.history
      .map((m, i) => ({ m, i }))
      .sort((a, b) => (a.m.at < b.m.at ? -1 : a.m.at > b.m.at ? 1 : a.i - b.i))
      .map(({ m }) => ({ ...m, key: keyOf(m), pending: false }));
    const local = this.pending.map(({ prior: _prior, serial, ...m }) => ({
      ...m,
      key: `pending|${serial}`,
      pending: true,
    }));
    return [...server, ...local];
  }
}

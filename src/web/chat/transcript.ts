/**
 * The customer's transcript, fed by three routes that may deliver the same message twice: the
 * conversation view (on load and after each turn), the live event stream, and the page itself
 * (the message just sent, the reply just streamed). Server messages are identified by
 * role + time + text; the page's own ones stay "pending" until the server's copy arrives.
 */
import type { ChatMessage } from '../shared/contract.js';
import { sameText } from '../shared/format.js';

export interface Entry extends ChatMessage {
  key: string;
  pending: boolean;
}

interface Pending extends ChatMessage {
  /** How many server messages existed when it was added: its copy can only come later. */
  since: number;
  serial: number;
}

const keyOf = (m: ChatMessage) => `${m.role}|${m.at}|${m.text}`;

export class Transcript {
  private history: ChatMessage[] = [];
  private notices: ChatMessage[] = [];
  private keys = new Set<string>();
  private pending: Pending[] = [];
  /** Every live message, so a view fetched meanwhile does not drop one it had not seen yet. */
  private live: ChatMessage[] = [];
  private claimed = new Set<number>();
  private serial = 0;

  /** A marker to pass to `replace` for a view requested now. */
  mark(): number {
    return this.live.length;
  }

  /** The server's full list (the view), plus live messages that arrived after `mark` and it lacks. */
  replace(messages: ChatMessage[], mark: number): void {
    const keys = new Set(messages.map(keyOf));
    const extras = this.live.slice(mark).filter((m) => m.role !== 'system' && !keys.has(keyOf(m)));
    this.history = [...messages, ...extras];
    this.keys = new Set(this.history.map(keyOf));
    this.claimed.clear();
    this.reconcile();
  }

  /** A message from the live stream; false when it was already known. */
  receive(message: ChatMessage): boolean {
    const key = keyOf(message);
    this.live.push(message);
    if (message.role === 'system') {
      if (this.notices.some((n) => keyOf(n) === key)) return false;
      this.notices.push(message);
      return true;
    }
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    this.history.push(message);
    this.reconcile();
    return true;
  }

  /** The page's own copy of a message, shown until the server's copy arrives. */
  addPending(message: ChatMessage, since = this.history.length): void {
    this.pending.push({ ...message, since, serial: this.serial++ });
    this.reconcile();
  }

  /** Drops the page's copies (e.g. a message that was refused and not stored). */
  dropPending(match: (m: ChatMessage) => boolean): void {
    this.pending = this.pending.filter((p) => !match(p));
  }

  get serverCount(): number {
    return this.history.length;
  }

  private reconcile(): void {
    this.pending = this.pending.filter((p) => {
      for (let i = p.since; i < this.history.length; i++) {
        const h = this.history[i];
        if (h && !this.claimed.has(i) && h.role === p.role && sameText(h.text, p.text)) {
          this.claimed.add(i);
          return false;
        }
      }
      return true;
    });
  }

  /** What to show, oldest first: server messages and notices by time, then the pending ones. */
  entries(): Entry[] {
    const server = [...this.history, ...this.notices]
      .map((m, i) => ({ m, i }))
      .sort((a, b) => (a.m.at < b.m.at ? -1 : a.m.at > b.m.at ? 1 : a.i - b.i))
      .map(({ m }) => ({ ...m, key: keyOf(m), pending: false }));
    const local = this.pending.map(({ since: _since, serial, ...m }) => ({
      ...m,
      key: `pending|${serial}`,
      pending: true,
    }));
    return [...server, ...local];
  }
}

/**
 * The chat page's state and its conversation with the API, kept out of the components: start
 * (lazily, on the first message), restore after a reload, send with a streamed turn, follow the
 * live events, and describe every failure in words with the right way to recover.
 */
import type {
  Awaiting,
  ConversationView,
  NewConversation,
  RefundEvent,
  Status,
  TurnResult,
} from '../shared/contract.js';
import { asMessage, asRefund, asState, parseJson } from '../shared/guards.js';
import { ApiError, call, callJson } from '../shared/http.js';
import { followEvents, type LiveStatus, type SseMessage } from '../shared/sse.js';
import { describeFailure, type ChatError } from './chat-failures.js';
import { readStored, writeStored, type Stored } from './stored-conversation.js';
import { Transcript, type Entry } from './transcript.js';
import { readTurn } from './turn.js';

export type { ChatError };

export interface ChatState {
  conversationId: string | null;
  restoring: boolean;
  gone: boolean;
  entries: Entry[];
  /** The agent's reply so far while a turn streams. */
  streaming: string | null;
  sending: boolean;
  draft: string;
  state: string | null;
  status: Status | null;
  awaiting: Awaiting;
  refunds: RefundEvent[];
  error: ChatError | null;
  live: LiveStatus | 'unavailable' | 'off';
}

const initial = (): ChatState => ({
  conversationId: null,
  restoring: false,
  gone: false,
  entries: [],
  streaming: null,
  sending: false,
  draft: '',
  state: null,
  status: null,
  awaiting: null,
  refunds: [],
  error: null,
  live: 'off',
});

export class ChatSession {
  private s: ChatState = initial();
  private listeners = new Set<() => void>();
  private transcript = new Transcript();
  private conv: Stored | null = null;
  private live: AbortController | null = null;
  private lastAttempt: string | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  get state(): ChatState {
    return this.s;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<ChatState>): void {
    this.s = { ...this.s, ...patch, entries: this.transcript.entries() };
    for (const l of this.listeners) l();
  }

  setDraft(draft: string): void {
    this.set({ draft });
  }

  /** Restores the conversation kept in this tab, if any. */
  async start(): Promise<void> {
    this.conv = readStored();
    if (this.conv) await this.restore();
  }

  /** Forgets this conversation (kept server-side); the next message starts a new one. */
  newConversation(): void {
    this.stopLive();
    writeStored(null);
    this.conv = null;
    this.transcript = new Transcript();
    this.lastAttempt = null;
    this.s = { ...initial(), draft: this.s.draft };
    this.set({});
  }

  /** What the error banner's button does. */
  async recover(): Promise<void> {
    const action = this.s.error?.action;
    if (action === 'new') this.newConversation();
    else if (action === 'reload') await this.restore();
    else if (action === 'retry' && this.lastAttempt !== null) await this.send(this.lastAttempt);
    else if (action === 'retry' && this.conv) await this.restore();
    else this.set({ error: null });
  }

  dismissError(): void {
    this.set({ error: null });
  }

  private async restore(): Promise<void> {
    if (!this.conv) return;
    this.set({ restoring: true, error: null, conversationId: this.conv.id });
    try {
      await this.refreshView();
      this.set({ restoring: false });
      this.startLive();
    } catch (error) {
      this.fail(error, { restoring: false });
    }
  }

  private fail(error: unknown, patch: Partial<ChatState> = {}): void {
    const described = describeFailure(error);
    if (error instanceof ApiError && error.status === 404) {
      this.stopLive();
      writeStored(null);
      this.set({ ...patch, gone: true, error: described });
    } else this.set({ ...patch, error: described });
  }

  private async refreshView(): Promise<void> {
    const conv = this.conv;
    if (!conv) return;
    const mark = this.transcript.mark();
    const view = await callJson<ConversationView>(`/api/conversations/${encodeURIComponent(conv.id)}`, {
      token: conv.token,
    });
    if (this.conv !== conv) return;
    this.transcript.replace(view.messages, mark);
    const processed = view.refunds.map((r): RefundEvent => ({
      order_id: r.order_id,
      amount: r.amount,
      status: 'processed',
      refund_id: r.refund_id,
    }));
    const others = this.s.refunds.filter((r) => !processed.some((p) => p.order_id === r.order_id));
    this.set({
      state: view.state,
      status: view.status,
      awaiting: view.awaiting,
      refunds: [...processed, ...others],
    });
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (!this.s.sending) this.refreshView().catch(() => {});
    }, 250);
  }

  /** The tab's conversation, created now if there is none; `current` false: the page started over meanwhile. */
  private async ensureConversation(current: () => boolean): Promise<Stored> {
    if (this.conv) return this.conv;
    const created = await callJson<NewConversation>('/api/conversations', { method: 'POST' });
    if (!current()) throw new Error('started over');
    this.conv = { id: created.conversation_id, token: created.token, lastEventId: null };
    writeStored(this.conv);
    this.set({ conversationId: created.conversation_id, state: created.state, status: 'open', gone: false });
    this.startLive();
    return this.conv;
  }

  /** Sends a customer message and streams the agent's turn. */
  async send(raw: string): Promise<void> {
    const text = raw.trim();
    if (!text || this.s.sending) return;
    this.lastAttempt = text;
    // "New conversation" during the turn replaces the transcript: the old turn then updates nothing.
    const transcript = this.transcript;
    const current = () => this.transcript === transcript;
    const before = transcript.counts();
    const mine = { role: 'customer' as const, text, at: new Date().toISOString() };
    transcript.addPending(mine, before);
    this.set({ sending: true, error: null, draft: '', streaming: null });
    let result: TurnResult | null = null;
    let started = false;
    try {
      const conv = await this.ensureConversation(current);
      const res = await call(`/api/conversations/${encodeURIComponent(conv.id)}/messages`, {
        token: conv.token,
        body: { message: text },
        accept: 'text/event-stream, application/json',
      });
      started = true;
      this.lastAttempt = null;
      if (!(res.headers.get('Content-Type') ?? '').includes('text/event-stream') || !res.body)
        result = (await res.json()) as TurnResult;
      else
        result = await readTurn(res.body, {
          onText: (delta) => current() && this.set({ streaming: (this.s.streaming ?? '') + delta }),
          onState: (st) => current() && this.set({ state: st.state, status: st.status ?? this.s.status }),
        });
      if (!current()) return;
      if (!result) throw new Error('stream ended early');
      // While a person holds the conversation the assistant is silent: the turn's reply is empty.
      if (result.reply.trim())
        transcript.addPending({ role: 'agent', text: result.reply, at: new Date().toISOString() }, before);
      this.set({
        sending: false,
        streaming: null,
        state: result.state,
        status: result.status,
        awaiting: result.awaiting,
      });
      await this.refreshView().catch(() => {});
    } catch (error) {
      if (!current()) return;
      if (!started) {
        transcript.dropPending((m) => m.role === 'customer' && m.at === mine.at);
        this.fail(error, { sending: false, streaming: null, draft: this.s.draft || text });
      } else {
        // The message was taken: what was committed shows after a reload of the conversation.
        this.set({
          sending: false,
          streaming: null,
          error: {
            message: 'The connection was interrupted while we were answering.',
            retryAt: null,
            action: 'reload',
          },
        });
      }
    }
  }

  private startLive(): void {
    const conv = this.conv;
    if (!conv || this.live) return;
    const controller = new AbortController();
    this.live = controller;
    void followEvents({
      url: `/api/conversations/${encodeURIComponent(conv.id)}/events`,
      token: conv.token,
      lastEventId: conv.lastEventId,
      signal: controller.signal,
      onStatus: (live) => {
        if (!controller.signal.aborted && this.s.live !== 'unavailable') this.set({ live });
      },
      onMessage: (m) => this.onLive(conv, m),
      onRejected: async (status) => {
        if (status !== 404) return status === 401 || status === 403 ? null : 5000;
        // Either the conversation is gone or this server has no live stream: the view tells which.
        try {
          await this.refreshView();
          this.set({ live: 'unavailable' });
          return 60_000;
        } catch (error) {
          if (!controller.signal.aborted) this.fail(error);
          return null;
        }
      },
    });
  }

  private stopLive(): void {
    this.live?.abort();
    this.live = null;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  private onLive(conv: Stored, m: SseMessage): void {
    if (this.conv !== conv) return;
    if (m.id !== null && m.id !== conv.lastEventId) {
      conv.lastEventId = m.id;
      writeStored(conv);
    }
    const data = parseJson(m.data);
    if (m.event === 'message') {
      const message = asMessage(data);
      if (message && this.transcript.receive(message)) this.set({});
    } else if (m.event === 'state') {
      const st = asState(data);
      if (st) this.set({ state: st.state, status: st.status ?? this.s.status, awaiting: st.awaiting });
      this.scheduleRefresh();
    } else if (m.event === 'refund') {
      const refund = asRefund(data);
      if (refund) this.set({ refunds: [...this.s.refunds.filter((r) => r.order_id !== refund.order_id), refund] });
      this.scheduleRefresh();
    }
  }
}

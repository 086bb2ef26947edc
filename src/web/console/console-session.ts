/**
 * The operator console's state: sign-in, the queue (polled), one open conversation followed
 * live (its view and statechart refetched on each event), and the operator's actions.
 */
import type { OperatorEvent, OperatorMe, OperatorView, QueueItem } from '../shared/contract.js';
import { call, callJson, isStatus } from '../shared/http.js';
import { followEvents, type LiveStatus } from '../shared/sse.js';
import { load, save } from '../shared/storage.js';
import { DONE, describeOperatorFailure, operatorRequest, path, type Action } from './operator-api.js';

export type { Action };

const TOKEN_KEY = 'support.operator.token';
const QUEUE_POLL_MS = 4000;

export interface ConsoleState {
  token: string | null;
  me: OperatorMe | null;
  signingIn: boolean;
  signInError: string | null;
  queue: QueueItem[];
  /** Epoch ms of the queue's fetch: wait times count on from there. */
  queueAt: number;
  queueError: string | null;
  selected: string | null;
  view: OperatorView | null;
  viewError: string | null;
  chartUrl: string | null;
  live: LiveStatus | 'off';
  busy: OperatorEvent | null;
  actionError: string | null;
  actionNotice: string | null;
}

export class ConsoleSession {
  private s: ConsoleState = {
    token: null,
    me: null,
    signingIn: false,
    signInError: null,
    queue: [],
    queueAt: 0,
    queueError: null,
    selected: null,
    view: null,
    viewError: null,
    chartUrl: null,
    live: 'off',
    busy: null,
    actionError: null,
    actionNotice: null,
  };
  private listeners = new Set<() => void>();
  private poll: ReturnType<typeof setInterval> | null = null;
  private live: AbortController | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  /** Requests are numbered so an older answer that arrives late never replaces a newer one. */
  private viewSeq = 0;
  private chartSeq = 0;

  get state(): ConsoleState {
    return this.s;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<ConsoleState>): void {
    this.s = { ...this.s, ...patch };
    for (const l of this.listeners) l();
  }

  async start(): Promise<void> {
    const token = load(TOKEN_KEY);
    if (token) await this.signIn(token);
  }

  async signIn(raw: string): Promise<void> {
    const token = raw.trim();
    if (!token) return this.set({ signInError: 'Enter your operator token.' });
    this.set({ signingIn: true, signInError: null });
    try {
      const me = await callJson<OperatorMe>('/api/operator/me', { token });
      save(TOKEN_KEY, token);
      this.set({ token, me, signingIn: false });
      await this.refreshQueue();
      this.poll = setInterval(() => void this.refreshQueue(), QUEUE_POLL_MS);
    } catch (error) {
      save(TOKEN_KEY, null);
      this.set({ signingIn: false, signInError: describeOperatorFailure(error) });
    }
  }

  signOut(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    this.close();
    save(TOKEN_KEY, null);
    this.set({ token: null, me: null, queue: [], queueError: null, signInError: null });
  }

  async refreshQueue(): Promise<void> {
    const token = this.s.token;
    if (!token) return;
    try {
      const { items } = await callJson<{ items: QueueItem[] }>('/api/operator/queue', { token });
      // The API sends them oldest first; sorted again so the page never depends on it.
      const oldestFirst = [...items].sort((a, b) => Date.parse(a.waiting_since) - Date.parse(b.waiting_since));
      if (this.s.token === token) this.set({ queue: oldestFirst, queueAt: Date.now(), queueError: null });
    } catch (error) {
      if (isStatus(error, 401)) return this.signOut();
      this.set({ queueError: `The queue could not be refreshed. ${describeOperatorFailure(error)}` });
    }
  }

  /** Opens a conversation and follows it live. */
  async select(id: string): Promise<void> {
    this.close();
    this.set({ selected: id, view: null, viewError: null, actionError: null, actionNotice: null });
    await this.refreshView();
    const token = this.s.token;
    if (!token || this.s.selected !== id) return;
    const controller = new AbortController();
    this.live = controller;
    void followEvents({
      url: path(id, '/events'),
      token,
      signal: controller.signal,
      onStatus: (live) => !controller.signal.aborted && this.set({ live }),
      onMessage: () => this.scheduleRefresh(),
      // 404: the conversation is gone (or operators were switched off); 401/403: the token no longer opens it.
      onRejected: (status) => (status === 404 || status === 401 || status === 403 ? null : 5000),
    });
  }

  /** Stops following the open conversation. */
  close(): void {
    this.live?.abort();
    this.live = null;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    if (this.s.chartUrl) URL.revokeObjectURL(this.s.chartUrl);
    this.set({ selected: null, view: null, chartUrl: null, live: 'off' });
  }

  /** After a live event: the view, the statechart and the queue again (one refresh per burst of events, 150 ms after
   * its first).
   */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refreshView();
      void this.refreshQueue();
    }, 150);
  }

  async refreshView(): Promise<void> {
    const { token, selected } = this.s;
    if (!token || !selected) return;
    const seq = ++this.viewSeq;
    try {
      const view = await callJson<OperatorView>(path(selected), { token });
      if (this.s.selected === selected && seq === this.viewSeq) this.set({ view, viewError: null });
    } catch (error) {
      if (this.s.selected === selected)
        this.set({ viewError: `This conversation could not be opened. ${describeOperatorFailure(error)}` });
      return;
    }
    await this.refreshChart(token, selected);
  }

  private async refreshChart(token: string, id: string): Promise<void> {
    const seq = ++this.chartSeq;
    try {
      const res = await call(path(id, '/chart.svg'), { token, accept: 'image/svg+xml' });
      const url = URL.createObjectURL(await res.blob());
      if (this.s.selected !== id || seq !== this.chartSeq) return URL.revokeObjectURL(url);
      if (this.s.chartUrl) URL.revokeObjectURL(this.s.chartUrl);
      this.set({ chartUrl: url });
    } catch {
      // The chart is an aid: the state is in words next to it.
    }
  }

  /** Sends one operator event; the answer is the new view. */
  async act(action: Action): Promise<void> {
    const { token, selected } = this.s;
    if (!token || !selected || this.s.busy) return;
    this.set({ busy: action.event, actionError: null, actionNotice: null });
    const request = operatorRequest(action);
    try {
      const view = await callJson<OperatorView>(path(selected, request.rest), { token, body: request.body });
      ++this.viewSeq; // this answer is newer than any view request still in flight
      if (this.s.selected === selected) this.set({ view, busy: null, actionNotice: DONE[action.event] });
      else this.set({ busy: null });
      void this.refreshChart(token, selected);
      void this.refreshQueue();
    } catch (error) {
      this.set({ busy: null, actionError: describeOperatorFailure(error, action.event) });
      if (isStatus(error, 409)) void this.refreshView();
    }
  }
}

/**
 * Where the scenarios run: in this process (a fresh temp SQLite store with the demo data and a
 * fixed clock per scenario, so scenarios never affect each other and results are reproducible),
 * or against a running server over HTTP. Both give the runner the same things: turn results with
 * their events, the conversation view (the audit: proposals and decisions, refunds, tickets,
 * usage) and, where available, the operators' lists of refunds and tickets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemoData } from '../src/backends/embedded/demo-data.js';
import { createEmbeddedBackends } from '../src/backends/embedded/embedded-backends.js';
import { PaymentDeclinedError, type Backends } from '../src/backends/types.js';
import type { Model } from '../src/models/types.js';
import { centsToUsdNumber } from '../src/money.js';
import { DEFAULT_POLICY } from '../src/policy.js';
import { defaultEffects } from '../src/effects/catalog.js';
import type { ConversationStore } from '../src/store/types.js';
import { defaultTools } from '../src/tools/catalog.js';
import { createRuntime, type ConversationView, type RefundView, type TicketView } from '../src/runtime/runtime.js';
import type { TurnEvent, TurnResult } from '../src/runtime/types.js';
import { createSqliteDriver } from '../src/store/sqlite-driver.js';
import { createSqlStore, migrate } from '../src/store/sql-store.js';
import type { Fault, Scenario } from './schema.js';

/** The clock of in-process runs: every scenario sees the same "now" (demo dates are relative to it). */
export const EVAL_NOW = new Date('2026-11-26T12:00:00.000Z');

export interface SentTurn {
  result: TurnResult;
  /** The events as a streaming client received them (SSE), in order. */
  streamed: TurnEvent[];
}

/** One scenario's world: its conversations share a store (for follow-up conversations). */
export interface Session {
  createConversation(): Promise<{ id: string; token: string }>;
  send(id: string, token: string, message: string): Promise<SentTurn>;
  view(id: string, token: string): Promise<ConversationView>;
  /** The conversation's refunds in the records now (read after every turn: I13 asks what each one followed). */
  refundsOf(id: string, token: string): Promise<Array<{ order_id: string; amount: number; refund_id: string }>>;
  /** Every refund in the store (operators' view), or null when not available. */
  refunds(): Promise<RefundView[] | null>;
  /** Every ticket in the store (operators' view), or null when not available. */
  tickets(): Promise<TicketView[] | null>;
  close(): Promise<void>;
}

export interface Target {
  /** "in-process" or the server URL. */
  where: string;
  /** The model's name (for a server: what /api/health reports). */
  model: string;
  /** Each scenario gets a fresh store (false for a shared server). */
  isolated: boolean;
  /** Backend faults can be injected (in-process only). */
  supportsFaults: boolean;
  /** I13: refunds wait for the customer's yes (in-process: as configured; a server: as its operator says). */
  confirmRefunds: boolean;
  open(scenario: Scenario): Promise<Session>;
  close(): Promise<void>;
}

const noSleep = async () => {};

/** Wraps the backends so the scenario's faults happen (outages throw; declines refuse the payment). */
export function withFaults(backends: Backends, faults: Fault[] = []): Backends {
  if (!faults.length) return backends;
  const calls = new Map<string, number>();
  const misbehave = (at: Fault['at']): Fault | null => {
    const n = (calls.get(at) ?? 0) + 1;
    calls.set(at, n);
    const fault = faults.find((f) => f.at === at);
    return fault && (fault.times === undefined || n <= fault.times) ? fault : null;
  };
  const fail = (f: Fault) => {
    throw f.mode === 'decline' ? new PaymentDeclinedError() : new Error(`injected outage at ${f.at}`);
  };
  return {
    mailer: backends.mailer,
    crm: {
      ...backends.crm,
      findCustomerByEmail: async (email) => {
        const f = misbehave('crm.findCustomerByEmail');
        return f ? fail(f) : backends.crm.findCustomerByEmail(email);
      },
    },
    orders: {
      ...backends.orders,
      getOrder: async (id) => {
        const f = misbehave('orders.getOrder');
        return f ? fail(f) : backends.orders.getOrder(id);
      },
    },
    payments: {
      ...backends.payments,
      refund: async (request) => {
        const f = misbehave('payments.refund');
        return f ? fail(f) : backends.payments.refund(request);
      },
    },
    tickets: {
      ...backends.tickets,
      open: async (request) => {
        const f = misbehave('tickets.open');
        return f ? fail(f) : backends.tickets.open(request);
      },
    },
  };
}

export interface InProcessOptions {
  model: Model;
  /** Stream turns (text arrives as the model writes it, as an SSE client sees it). Default true. */
  stream?: boolean;
  maxModelCalls?: number;
  /** I13: ask the customer to confirm each refund (SUPPORT_CONFIRM_REFUNDS; default true). */
  confirmRefunds?: boolean;
  /** Called with each scenario's store before it is thrown away (e.g. the replay regression check). */
  beforeClose?: (store: ConversationStore) => Promise<void>;
}

/** Runs each scenario on its own temp SQLite store with the demo data and a fixed clock. */
export function inProcessTarget(options: InProcessOptions): Target {
  const stream = options.stream ?? true;
  return {
    where: 'in-process',
    model: options.model.name,
    isolated: true,
    supportsFaults: true,
    confirmRefunds: options.confirmRefunds ?? true,
    async open(scenario) {
      const dir = mkdtempSync(join(tmpdir(), 'support-eval-'));
      const db = createSqliteDriver(join(dir, 'support.db'));
      await migrate(db);
      const clock = () => EVAL_NOW;
      await seedDemoData(db, EVAL_NOW);
      const backends = withFaults(createEmbeddedBackends(db, clock), scenario.faults);
      const runtime = createRuntime({
        store: createSqlStore(db, clock),
        backends,
        model: options.model,
        policy: DEFAULT_POLICY,
        clock,
        // I8 still retries twice; the backoff does not wait (faults are injected, not real)
        retry: { retries: 2, baseDelayMs: 1, sleep: noSleep },
        tools: defaultTools(),
        effects: defaultEffects(),
        confirmRefunds: options.confirmRefunds ?? true,
        ...(options.maxModelCalls ? { maxModelCalls: options.maxModelCalls } : {}),
      });
      return {
        async createConversation() {
          const c = await runtime.createConversation();
          return { id: c.conversation_id, token: c.token };
        },
        async send(id, token, message) {
          const streamed: TurnEvent[] = [];
          const result = await runtime.sendMessage(
            id,
            token,
            message,
            stream ? { stream: true, onEvent: (e) => streamed.push(e) } : {},
          );
          return { result, streamed: stream ? streamed : result.events };
        },
        view: (id, token) => runtime.getConversation(id, token),
        // the payments records themselves (cheaper than a view per turn)
        refundsOf: async (id) =>
          (await backends.payments.listRefunds({ conversationId: id })).map((r) => ({
            order_id: r.orderId,
            amount: centsToUsdNumber(r.amountCents),
            refund_id: r.refundId,
          })),
        refunds: () => runtime.listRefunds(),
        tickets: () => runtime.listTickets(),
        async close() {
          await options.beforeClose?.(runtime.store);
          await db.close().catch(() => {});
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    async close() {},
  };
}

export interface HttpOptions {
  url: string;
  /** SUPPORT_ADMIN_TOKEN of the server: enables the operators' refund and ticket lists. */
  adminToken?: string;
  /** Stream turns as SSE (default true). */
  stream?: boolean;
  /** How the server is configured (SUPPORT_CONFIRM_REFUNDS): refunds wait for the customer's yes. Default true. */
  confirmRefunds?: boolean;
  /** Another fetch (tests pass an app's fetch: no socket). */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}`);
    this.name = 'HttpError';
  }
}

/** Parses a complete text/event-stream body into (event, data) pairs. */
export function parseSse(body: string): Array<{ event: string | null; data: string }> {
  return body
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      return { event, data: data.join('\n') };
    });
}

const TURN_EVENT_TYPES = new Set(['text', 'tool_call', 'tool_result', 'tool_rejected', 'state']);

/** Runs the scenarios against a running server. They share its store: see the runner's conflict check. */
export async function httpTarget(options: HttpOptions): Promise<Target> {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const stream = options.stream ?? true;
  const call = async (path: string, init: RequestInit, what: string): Promise<Response> => {
    const res = await doFetch(`${base}${path}`, init);
    if (!res.ok) throw new HttpError(res.status, await res.text().catch(() => ''), what);
    return res;
  };
  const health = (await (await call('/api/health', {}, 'GET /api/health')).json()) as { model?: string };
  const operator = async <T>(path: string, key: string): Promise<T[] | null> => {
    if (!options.adminToken) return null;
    const res = await call(path, { headers: { authorization: `Bearer ${options.adminToken}` } }, `GET ${path}`);
    const body = (await res.json()) as Record<string, unknown>;
    return Array.isArray(body[key]) ? (body[key] as T[]) : null;
  };
  const session: Session = {
    async createConversation() {
      const body = (await (await call('/api/conversations', { method: 'POST' }, 'POST /api/conversations')).json()) as {
        conversation_id: string;
        token: string;
      };
      return { id: body.conversation_id, token: body.token };
    },
    async send(id, token, message) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      };
      const res = await call(
        `/api/conversations/${encodeURIComponent(id)}/messages`,
        { method: 'POST', headers, body: JSON.stringify({ message }) },
        'POST message',
      );
      if (!stream || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
        const result = (await res.json()) as TurnResult;
        return { result, streamed: result.events };
      }
      const streamed: TurnEvent[] = [];
      let result: TurnResult | null = null;
      for (const m of parseSse(await res.text())) {
        if (m.event === 'done') result = JSON.parse(m.data) as TurnResult;
        else if (m.event === 'error') throw new HttpError(500, m.data, 'stream error');
        else if (m.event && TURN_EVENT_TYPES.has(m.event)) streamed.push(JSON.parse(m.data) as TurnEvent);
      }
      if (!result) throw new HttpError(502, '', 'stream ended without done');
      return { result, streamed };
    },
    async view(id, token) {
      return (await (
        await call(
          `/api/conversations/${encodeURIComponent(id)}`,
          { headers: { authorization: `Bearer ${token}` } },
          'GET conversation',
        )
      ).json()) as ConversationView;
    },
    async refundsOf(id, token) {
      const view = await session.view(id, token);
      return view.refunds.map((r) => ({ order_id: r.order_id, amount: r.amount, refund_id: r.refund_id }));
    },
    refunds: () => operator<RefundView>('/api/refunds', 'refunds'),
    tickets: () => operator<TicketView>('/api/tickets', 'tickets'),
    async close() {},
  };
  return {
    where: base,
    model: health.model ?? 'unknown',
    isolated: false,
    supportsFaults: false,
    confirmRefunds: options.confirmRefunds ?? true,
    open: async () => session,
    async close() {},
  };
}

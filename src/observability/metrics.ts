/**
 * Prometheus metrics with prom-client, on a registry of our own (nothing global, so tests and
 * several apps in one process do not collide). Label values are bounded: anything a model or a
 * client could choose freely (tool names, routes of unmatched paths) collapses to `other`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsDeps {
  /** Effects in the outbox not yet finished (read at each scrape). */
  pendingEffects?: () => Promise<number>;
  /** Supervisor approvals requested and not yet decided (read at each scrape). */
  openApprovals?: () => Promise<number>;
  /** Node.js process metrics (CPU, memory, event loop); default true. */
  processMetrics?: boolean;
}

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string>;
  httpRequest(a: { method: string; route: string; status: number; durationMs: number }): void;
  turn(a: { state: string; status: string; durationMs: number }): void;
  modelCall(a: { model: string; ok: boolean; latencyMs: number }): void;
  tokens(a: { model: string; input: number; output: number; cacheRead: number; cacheWrite: number }): void;
  proposal(a: { tool: string; decision: string; invariant: string | null; source: string }): void;
  refund(a: { status: string; amountCents: number }): void;
  escalation(a: { priority: string; reason: string; source: string }): void;
}

/** A label value we can afford: short and tame, else `other`. */
export function boundedLabel(value: string | null | undefined, fallback = 'none'): string {
  if (value === null || value === undefined || value === '') return fallback;
  return /^[A-Za-z0-9_.:/{}-]{1,64}$/.test(value) ? value : 'other';
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics(deps: MetricsDeps = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (deps.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'support_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpRefusals = new Counter({
    name: 'support_http_refusals_total',
    help: 'HTTP 409 (conversation busy) and 429 (rate limited) answers, by route pattern',
    labelNames: ['status', 'route'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'support_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (until the handler returned; streams continue after)',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS,
    registers,
  });
  const turns = new Counter({
    name: 'support_turns_total',
    help: 'Turns (customer messages answered), by final machine state and conversation status',
    labelNames: ['state', 'status'] as const,
    registers,
  });
  const turnDuration = new Histogram({
    name: 'support_turn_duration_seconds',
    help: 'Wall-clock time of a turn',
    labelNames: ['status'] as const,
    buckets: SECONDS,
    registers,
  });
  const modelCalls = new Counter({
    name: 'support_model_calls_total',
    help: 'Model calls, by model and outcome',
    labelNames: ['model', 'outcome'] as const,
    registers,
  });
  const modelLatency = new Histogram({
    name: 'support_model_call_duration_seconds',
    help: 'Latency of a model call',
    labelNames: ['model', 'outcome'] as const,
    buckets: SECONDS,
    registers,
  });
  const tokens = new Counter({
    name: 'support_model_tokens_total',
    help: 'Tokens, by model and type (input, output, cache_read, cache_write)',
    labelNames: ['model', 'type'] as const,
    registers,
  });
  const proposals = new Counter({
    name: 'support_proposals_total',
    help: 'Tool proposals decided by the machine, by tool, decision, invariant and source',
    labelNames: ['tool', 'decision', 'invariant', 'source'] as const,
    registers,
  });
  const refunds = new Counter({
    name: 'support_refunds_total',
    help: 'Refund effects finished, by outcome (done, failed, unknown)',
    labelNames: ['status'] as const,
    registers,
  });
  const refundCents = new Counter({
    name: 'support_refund_amount_cents_total',
    help: 'Sum of refund amounts in cents, by outcome',
    labelNames: ['status'] as const,
    registers,
  });
  const escalations = new Counter({
    name: 'support_escalations_total',
    help: 'Escalations to humans, by priority, reason and source',
    labelNames: ['priority', 'reason', 'source'] as const,
    registers,
  });
  const gauge = (name: string, help: string, read: () => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        try {
          this.set(await read());
        } catch {
          // the store is unreachable: keep the last value rather than failing the whole scrape
        }
      },
    });
  if (deps.pendingEffects) gauge('support_pending_effects', 'Outbox effects not yet finished', deps.pendingEffects);
  if (deps.openApprovals)
    gauge('support_open_approvals', 'Supervisor approvals awaiting a decision', deps.openApprovals);

  const seconds = (ms: number) => Math.max(0, ms) / 1000;
  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    httpRequest({ method, route, status, durationMs }) {
      const labels = { method: boundedLabel(method.toUpperCase()), route: boundedLabel(route, 'unmatched') };
      httpRequests.inc({ ...labels, status: String(status) });
      httpDuration.observe(labels, seconds(durationMs));
      if (status === 409 || status === 429) httpRefusals.inc({ status: String(status), route: labels.route });
    },
    turn({ state, status, durationMs }) {
      turns.inc({ state: boundedLabel(state), status: boundedLabel(status) });
      turnDuration.observe({ status: boundedLabel(status) }, seconds(durationMs));
    },
    modelCall({ model, ok, latencyMs }) {
      const labels = { model: boundedLabel(model), outcome: ok ? 'ok' : 'error' };
      modelCalls.inc(labels);
      modelLatency.observe(labels, seconds(latencyMs));
    },
    tokens({ model, input, output, cacheRead, cacheWrite }) {
      const m = boundedLabel(model);
      const add = (type: string, n: number) => n > 0 && tokens.inc({ model: m, type }, n);
      add('input', input);
      add('output', output);
      add('cache_read', cacheRead);
      add('cache_write', cacheWrite);
    },
    proposal({ tool, decision, invariant, source }) {
      proposals.inc({
        tool: boundedLabel(tool),
        decision: boundedLabel(decision),
        invariant: invariant && /^I\d{1,2}$/.test(invariant) ? invariant : invariant ? 'other' : 'none',
        source: boundedLabel(source),
      });
    },
    refund({ status, amountCents }) {
      refunds.inc({ status: boundedLabel(status) });
      if (amountCents > 0) refundCents.inc({ status: boundedLabel(status) }, amountCents);
    },
    escalation({ priority, reason, source }) {
      escalations.inc({ priority: boundedLabel(priority), reason: boundedLabel(reason), source: boundedLabel(source) });
    },
  };
}

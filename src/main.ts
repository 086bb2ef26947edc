/**
 * Composition root: config → store → backends → model → runtime → app. The only file that names
 * concrete adapters.
 */
import { serve } from '@hono/node-server';
import { Server } from 'node:http';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from './api/app.js';
import { createMetricsApp } from './api/metrics.js';
import { answerClientErrors, createRequestTracker } from './api/node-server.js';
import type { HealthReport, OperatorHealthReport } from './api/health.js';
import { seedDemoData } from './backends/embedded/demo-data.js';
import { createEmbeddedBackends, createEmbeddedMailbox } from './backends/embedded/embedded-backends.js';
import { createSmtpMailer } from './backends/smtp-mailer.js';
import type { Mailbox, Mailer } from './backends/types.js';
import { loadConfig, type Config } from './config.js';
import { createClaudeModel } from './models/claude.js';
import { createOfflineModel } from './models/offline.js';
import type { Model } from './models/types.js';
import { createRuntime, type Runtime } from './runtime/runtime.js';
import type { FaultPoint } from './effects/types.js';
import { defaultEffects } from './effects/catalog.js';
import { defaultTools } from './tools/catalog.js';
import { createRateLimits, type RateLimits } from './limits/rate-limits.js';
import { createObservability, quietObservability, type Observability } from './observability/setup.js';
import { createPostgresDriver } from './store/postgres-driver.js';
import { createSqliteDriver } from './store/sqlite-driver.js';
import { createSqlStore, migrate, releaseAllClaims } from './store/sql-store.js';
import type { SqlDriver } from './store/sql.js';
import { conversationMachine } from './machines/conversation.machine.js';
import { createSqlOperatorAccounts } from './operators/sql-accounts.js';
import { createOperatorDirectory } from './operators/directory.js';
import type { OperatorAccounts } from './operators/types.js';
import { createLiveInspector } from './inspect/live.js';
import { conversationLog, factsFromEvents } from './inspect/log.js';

export interface Assembled {
  config: Config;
  db: SqlDriver;
  runtime: Runtime;
  model: Model;
  /** Quotas (API buckets and the runtime's verify/ticket), counted in the shared database. */
  limits: RateLimits;
  /** Logger, metrics, traces and the runtime's Telemetry (quiet unless `observe`). */
  observability: Observability;
  operators: OperatorAccounts;
  /** The development mailbox (codes are stored, not sent); null when SMTP_URL sends real mail. */
  mailbox: Mailbox | null;
}

/** SMTP when SMTP_URL is set, else the development mailbox on the store's database. */
function createMailer(config: Config, db: SqlDriver): { mailer: Mailer; mailbox: Mailbox | null } {
  if (config.SMTP_URL && config.SMTP_FROM)
    return { mailer: createSmtpMailer({ url: config.SMTP_URL, from: config.SMTP_FROM }), mailbox: null };
  const mailbox = createEmbeddedMailbox(db);
  return { mailer: mailbox, mailbox };
}

/** What /api/machine's Studio code shows as the context: placeholders (the endpoint is public, the limit is not). */
export const MACHINE_SAMPLE_INPUT = { conversationId: 'conv_example', refundLimitCents: 0 };

/** The quotas configured by SUPPORT_RATE_*, counted in `db` (shared by every instance on it). */
export function createLimits(config: Config, db: SqlDriver): RateLimits {
  return createRateLimits({
    db,
    specs: {
      conversation: config.SUPPORT_RATE_CONVERSATIONS,
      message: config.SUPPORT_RATE_MESSAGES,
      'conversation-message': config.SUPPORT_RATE_CONVERSATION_MESSAGES,
      verify: config.SUPPORT_RATE_VERIFY,
      ticket: config.SUPPORT_RATE_TICKETS,
    },
  });
}

function createModel(config: Config): Model {
  if (config.modelKind === 'claude' && config.ANTHROPIC_API_KEY) {
    return createClaudeModel({
      apiKey: config.ANTHROPIC_API_KEY,
      model: config.ANTHROPIC_MODEL,
      timeoutMs: config.ANTHROPIC_TIMEOUT_MS,
      maxRetries: config.ANTHROPIC_MAX_RETRIES,
      ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
    });
  }
  return createOfflineModel();
}

/** Dies abruptly at a named point (SUPPORT_FAULT): crash-injection for durability tests. */
function faultInjector(point: FaultPoint | undefined): ((at: FaultPoint) => void) | undefined {
  if (!point) return undefined;
  return (at) => {
    if (at === point) {
      process.stderr.write(`SUPPORT_FAULT: dying at ${at}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
}

/**
 * Builds everything from the configuration; also used by the CLI. `observe` turns on logs, metrics
 * and traces as configured (the server); without it they are quiet (the CLI, tests).
 */
export async function assemble(
  config: Config = loadConfig(),
  options: { ownsStore?: boolean; observe?: boolean } = {},
): Promise<Assembled> {
  const db = config.DATABASE_URL
    ? createPostgresDriver(config.DATABASE_URL)
    : createSqliteDriver(join(resolve(config.SUPPORT_DATA_DIR), 'support.db'));
  await migrate(db);
  await seedDemoData(db, new Date());
  if (db.dialect === 'sqlite' && options.ownsStore) {
    // The server owns the embedded store: leases and claims left by a crashed run are void.
    await releaseAllClaims(db);
  }
  const model = createModel(config);
  const limits = createLimits(config, db);
  const store = createSqlStore(db);
  const tools = defaultTools();
  const gauges = {
    pendingEffects: async () => (await store.listPendingEffects()).length,
    openApprovals: async () => (await store.listConversations({ states: ['awaiting-approval'] })).length,
    knownTools: tools.names,
  };
  const observability = options.observe ? createObservability(config, gauges) : quietObservability(gauges);
  const fault = faultInjector(config.SUPPORT_FAULT);
  const { mailer, mailbox } = createMailer(config, db);
  const runtime = createRuntime({
    store,
    backends: createEmbeddedBackends(db, () => new Date(), mailer),
    model,
    tools,
    effects: defaultEffects(),
    policy: { refundLimitCents: config.REFUND_LIMIT, returnWindowDays: config.RETURN_WINDOW_DAYS },
    confirmRefunds: config.SUPPORT_CONFIRM_REFUNDS === 'always',
    verification: config.SUPPORT_VERIFICATION,
    approvalHours: config.SUPPORT_APPROVAL_HOURS,
    conversationTtlDays: config.SUPPORT_CONVERSATION_TTL_DAYS,
    maxModelCalls: config.SUPPORT_MAX_MODEL_CALLS,
    turnTimeoutMs: config.SUPPORT_TURN_TIMEOUT_MS,
    effectClaimMs: config.SUPPORT_EFFECT_CLAIM_MS,
    telemetry: observability.telemetry,
    limits,
    ...(fault ? { fault } : {}),
  });
  return { config, db, runtime, model, limits, observability, operators: createSqlOperatorAccounts(db), mailbox };
}

const startedAt = Date.now();

/** The health reports the server answers: public (what runs) and operator (the details). */
export function healthReports(a: Pick<Assembled, 'db' | 'runtime' | 'model'>): {
  health: HealthReport;
  operatorHealth: OperatorHealthReport;
} {
  const health = () => ({
    status: 'ok' as const,
    model: a.model.name,
    store: a.db.dialect,
    tools: [...a.runtime.toolNames],
  });
  return {
    health,
    operatorHealth: async () => ({
      ...health(),
      store_location: a.db.description,
      instance: a.runtime.instanceId,
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
      pending_effects: (await a.runtime.store.listPendingEffects()).length,
      usage: a.runtime.usageTotals(),
    }),
  };
}

/** dist/web (scripts/build-web.mjs), whether this file runs from src/ (tsx) or dist/src/ (built). */
function webAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = basename(dirname(here)) === 'dist' ? join(here, '..', '..') : join(here, '..');
  return join(root, 'dist', 'web');
}

/** The HTTP app exactly as the server runs it (tests build it too). */
export function createServerApp(a: Assembled): OpenAPIHono {
  const adminToken = a.config.SUPPORT_ADMIN_TOKEN ?? null;
  return createApp({
    runtime: a.runtime,
    adminToken,
    operators: createOperatorDirectory({ accounts: a.operators, adminToken }),
    machine: conversationMachine,
    machineSampleInput: MACHINE_SAMPLE_INPUT,
    livePollMs: a.config.SUPPORT_LIVE_POLL_MS,
    web: { assetsDir: webAssetsDir() },
    mcp: {},
    mailbox: a.mailbox,
    maxBodyBytes: a.config.SUPPORT_MAX_BODY_BYTES,
    ...healthReports(a),
    limits: a.limits,
    trustProxyHops: a.config.SUPPORT_TRUST_PROXY,
    logger: a.observability.logger,
    metrics: a.observability.metrics,
  });
}

/** Starts the HTTP server with graceful shutdown and the periodic sweep. */
export async function startServer(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const assembled = await assemble(config, { ownsStore: true, observe: true });
  const { db, runtime, model } = assembled;
  const { logger, metrics } = assembled.observability;
  const recovered = await runtime.recoverPendingEffects();
  if (config.SUPPORT_INSPECT) {
    // off by default: every commit of every conversation goes to a Stately inspector relay (npm run inspect)
    const inspector = createLiveInspector({
      url: config.SUPPORT_INSPECT,
      machine: conversationMachine,
      history: (id) => conversationLog(runtime.store, id),
      onError: (err) => logger.warn({ err }, 'inspector'),
    });
    runtime.live.subscribeAll((id, events) => {
      const facts = factsFromEvents(events);
      if (facts.length) void inspector.committed(id, facts);
    });
  }
  const app = createServerApp(assembled);
  const requests = createRequestTracker();
  const server = serve({ fetch: requests.fetch(app.fetch), port: config.PORT, hostname: config.HOST }, (info) => {
    process.stdout.write(
      `support agent listening on http://localhost:${info.port} (model: ${model.name}, ` +
        `store: ${db.description}${recovered ? `, finished ${recovered} pending effects` : ''})\n`,
    );
  });

  if (server instanceof Server) answerClientErrors(server, (code) => logger.debug({ code }, 'malformed HTTP request'));
  // METRICS_PORT: the metrics alone, without a token, where only the scraper reaches (METRICS_HOST)
  const { METRICS_PORT: metricsPort, METRICS_HOST: metricsHost } = config;
  const metricsServer =
    metricsPort === undefined
      ? null
      : serve({ fetch: createMetricsApp(metrics).fetch, port: metricsPort, hostname: metricsHost }, (info) => {
          logger.info({ port: info.port, host: metricsHost }, 'metrics listening');
        });

  // Pending effects (unknown payment outcomes, unopened tickets) are retried periodically too.
  const sweep =
    config.SUPPORT_SWEEP_INTERVAL_MS > 0
      ? setInterval(() => {
          runtime.recoverPendingEffects().catch((err: unknown) => logger.warn({ err }, 'sweep failed'));
        }, config.SUPPORT_SWEEP_INTERVAL_MS)
      : null;
  sweep?.unref();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: no new messages; finishing turns in flight\n`);
    if (sweep) clearInterval(sweep);
    // stop accepting; every request already accepted (body still arriving, turn in flight) is answered
    const deadline = Date.now() + config.SUPPORT_SHUTDOWN_GRACE_MS;
    requests.stopAccepting();
    server.close();
    metricsServer?.close();
    const answered = await requests.settled(config.SUPPORT_SHUTDOWN_GRACE_MS);
    const drained = (await runtime.drain(Math.max(0, deadline - Date.now()))) && answered;
    await requests.endRemaining();
    await db.close();
    await assembled.observability.shutdown().catch(() => {}); // flush batched spans
    process.stdout.write(
      drained ? 'stopped cleanly\n' : 'stopped: some turns did not finish in time (their state is saved)\n',
    );
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href;
if (isEntry) {
  startServer().catch((error) => {
    process.stderr.write(`failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}

/**
 * Composition root: config → store → backends → model → runtime → app. The only file that names
 * concrete adapters. Adapters that only some configurations use (Claude, SMTP, the live
 * inspector, the store not chosen) are imported when chosen, so a start loads only what runs.
 * SUPPORT_WORKERS=N starts N server processes on one port (node:cluster), on either store.
 */
import { createAdaptorServer, serve } from '@hono/node-server';
import cluster from 'node:cluster';
import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from './api/app.js';
import { createMetricsApp } from './api/metrics.js';
import { answerClientErrors, createRequestTracker } from './api/node-server.js';
import type { HealthReport, OperatorHealthReport } from './api/health.js';
import { seedDemoData } from './backends/embedded/demo-data.js';
import { createEmbeddedBackends, createEmbeddedMailbox } from './backends/embedded/embedded-backends.js';
import type { Mailbox, Mailer } from './backends/types.js';
import { loadConfig, type Config } from './config.js';
import { createOfflineModel } from './models/offline.js';
import type { Model } from './models/types.js';
import { createRuntime, type Runtime } from './runtime/runtime.js';
import type { FaultPoint } from './effects/types.js';
import { defaultEffects } from './effects/catalog.js';
import { defaultTools } from './tools/catalog.js';
import { createRateLimits, type RateLimits } from './limits/rate-limits.js';
import { createObservability, quietObservability, type Observability } from './observability/setup.js';
import { createSqlStore, migrate, releaseAllClaims } from './store/sql-store.js';
import type { SqlDriver } from './store/sql.js';
import { conversationMachine } from './machines/conversation.machine.js';
import { createSqlOperatorAccounts } from './operators/sql-accounts.js';
import { createOperatorDirectory } from './operators/directory.js';
import type { OperatorAccounts } from './operators/types.js';
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
async function createMailer(config: Config, db: SqlDriver): Promise<{ mailer: Mailer; mailbox: Mailbox | null }> {
  if (config.SMTP_URL && config.SMTP_FROM) {
    const { createSmtpMailer } = await import('./backends/smtp-mailer.js');
    return { mailer: createSmtpMailer({ url: config.SMTP_URL, from: config.SMTP_FROM }), mailbox: null };
  }
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

async function createModel(config: Config): Promise<Model> {
  if (config.modelKind === 'claude' && config.ANTHROPIC_API_KEY) {
    const { createClaudeModel } = await import('./models/claude.js');
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

/** The configured database: PostgreSQL with DATABASE_URL, else the embedded SQLite file in SUPPORT_DATA_DIR. */
async function openDatabase(config: Config): Promise<SqlDriver> {
  return config.DATABASE_URL
    ? (await import('./store/postgres-driver.js')).createPostgresDriver(config.DATABASE_URL)
    : (await import('./store/sqlite-driver.js')).createSqliteDriver(
        join(resolve(config.SUPPORT_DATA_DIR), 'support.db'),
      );
}

/**
 * Migrates and seeds the demo data (idempotent); `ownsStore`: the embedded store belongs to this
 * process (or to the primary about to fork its workers), so leases and claims a crashed run left are void.
 */
async function readyDatabase(db: SqlDriver, ownsStore: boolean): Promise<void> {
  await migrate(db);
  await seedDemoData(db, new Date());
  if (db.dialect === 'sqlite' && ownsStore) await releaseAllClaims(db);
}

/**
 * Builds everything from the configuration; also used by the CLI. `observe` turns on logs, metrics
 * and traces as configured (the server); without it they are quiet (the CLI, tests).
 */
export async function assemble(
  config: Config = loadConfig(),
  options: { ownsStore?: boolean; observe?: boolean } = {},
): Promise<Assembled> {
  const db = await openDatabase(config);
  await readyDatabase(db, options.ownsStore === true);
  const model = await createModel(config);
  const limits = createLimits(config, db);
  const store = createSqlStore(db);
  const tools = defaultTools();
  const gauges = {
    pendingEffects: async () => (await store.listPendingEffects()).length,
    openApprovals: async () => (await store.listConversations({ states: ['awaiting-approval'] })).length,
    knownTools: tools.names,
  };
  const observability = options.observe ? await createObservability(config, gauges) : quietObservability(gauges);
  const fault = faultInjector(config.SUPPORT_FAULT);
  const { mailer, mailbox } = await createMailer(config, db);
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

/**
 * SUPPORT_WORKERS: server processes sharing one port (node:cluster; default 1, `auto`: one per
 * core). Parsed here, next to the only code that reads it.
 */
export function workerCount(env: Record<string, string | undefined> = process.env): number {
  const raw = env.SUPPORT_WORKERS?.trim();
  if (!raw) return 1;
  if (raw === 'auto') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new Error('Invalid configuration:\n  SUPPORT_WORKERS: a number of processes (1–64) or auto');
  return n;
}

/** The message a worker sends its primary once it listens. */
interface WorkerListening {
  type: 'support-worker-listening';
  url: string;
  detail: string;
}
const isListening = (m: unknown): m is WorkerListening =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'support-worker-listening';

/**
 * The primary of SUPPORT_WORKERS: forks the workers (each a whole server on the shared port,
 * accepting its own connections), replaces one that dies, and on SIGTERM
 * passes the signal on and waits for every worker's graceful shutdown.
 */
async function startPrimary(config: Config, workers: number): Promise<void> {
  if (!config.DATABASE_URL) {
    // The workers share the embedded SQLite file (WAL: readers never wait, one writer at a time).
    // The primary readies it before any of them runs: the schema, the demo data, and the leases and
    // claims a crashed run left, void now, while nobody holds one. A worker never voids them: a
    // sibling's are alive; those of a worker that dies expire (SUPPORT_EFFECT_CLAIM_MS), as on PostgreSQL.
    const db = await openDatabase(config);
    try {
      await readyDatabase(db, true);
    } finally {
      await db.close();
    }
  }
  // Connections are accepted by the workers themselves (the kernel hands each to a worker waiting
  // for one, so a busy worker takes fewer) unless NODE_CLUSTER_SCHED_POLICY=rr asks for Node's default
  // round-robin, where the primary accepts every connection and passes it to a worker over IPC: on
  // machine D that cost 12 ms of CPU per benchmark conversation against 10 (README, "Concurrency").
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
  // the workers run this module as their entry, whichever script started the primary (npm start, the CLI, tsx)
  cluster.setupPrimary({ exec: fileURLToPath(import.meta.url), args: [] });
  const listening = new Set<number>();
  let announced = false;
  let stopping = false;
  const fork = (index: number) => {
    const worker = cluster.fork({ SUPPORT_WORKER_INDEX: String(index) });
    worker.on('message', (m: unknown) => {
      if (!isListening(m)) return;
      listening.add(index);
      if (!announced && listening.size === workers) {
        announced = true;
        process.stdout.write(`support agent listening on ${m.url} (${workers} workers, ${m.detail})\n`);
      }
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      if (!listening.has(index)) {
        // a worker that never came up would only fail again: stop the whole server
        process.stderr.write(`worker ${index} exited before listening (${signal ?? code}); stopping\n`);
        stopping = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
        process.exitCode = 1;
        return;
      }
      listening.delete(index);
      process.stderr.write(`worker ${index} exited (${signal ?? code}); starting another\n`);
      setTimeout(() => fork(index), 500).unref();
    });
  };
  for (let i = 0; i < workers; i++) fork(i);
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping ${workers} workers\n`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    // each worker bounds its own shutdown (SUPPORT_SHUTDOWN_GRACE_MS); a stuck one is killed after that
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    }, config.SUPPORT_SHUTDOWN_GRACE_MS + 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Starts the HTTP server with graceful shutdown and the periodic sweep (or, with SUPPORT_WORKERS, its workers). */
export async function startServer(): Promise<void> {
  let config: Config;
  let workers: number;
  try {
    config = loadConfig();
    workers = workerCount();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  if (workers > 1 && cluster.isPrimary) return startPrimary(config, workers);
  const workerIndex = cluster.isWorker ? Number(process.env.SUPPORT_WORKER_INDEX ?? 0) : 0;
  // one process alone owns the embedded store; workers share it (their primary readied it)
  const assembled = await assemble(config, { ownsStore: !cluster.isWorker, observe: true });
  const { db, runtime, model } = assembled;
  const { logger, metrics } = assembled.observability;
  const recovered = await runtime.recoverPendingEffects();
  if (config.SUPPORT_INSPECT) {
    // off by default: every commit of every conversation goes to a Stately inspector relay (npm run inspect)
    const { createLiveInspector } = await import('./inspect/live.js');
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
  // a deep accept queue: a burst of new connections (a thousand customers at once) waits in the
  // kernel instead of being dropped and retried by the clients' TCP a second or more later
  const server = createAdaptorServer({ fetch: requests.fetch(app.fetch) });
  // a port already taken (another server still running) or not allowed: one plain line, not a stack
  server.once('error', (error: NodeJS.ErrnoException) => {
    const where = `${config.HOST}:${config.PORT}`;
    const why =
      error.code === 'EADDRINUSE'
        ? `port ${config.PORT} is already in use (another server running? set PORT)`
        : error.code === 'EACCES'
          ? `not allowed to listen on ${where} (set PORT above 1023)`
          : `${error.code ?? error.name}: ${error.message}`;
    process.stderr.write(`support agent cannot listen on ${where}: ${why}\n`);
    process.exit(1);
  });
  server.listen({ port: config.PORT, host: config.HOST, backlog: 4096 }, () => {
    const info = server.address() as AddressInfo;
    const finished = recovered ? `, finished ${recovered} pending effects` : '';
    const detail = `model: ${model.name}, store: ${db.description}${finished}`;
    if (cluster.isWorker) {
      const message: WorkerListening = {
        type: 'support-worker-listening',
        url: `http://localhost:${info.port}`,
        detail,
      };
      process.send?.(message);
    } else process.stdout.write(`support agent listening on http://localhost:${info.port} (${detail})\n`);
  });

  if (server instanceof Server) answerClientErrors(server, (code) => logger.debug({ code }, 'malformed HTTP request'));
  // METRICS_PORT: the metrics alone, without a token, where only the scraper reaches (METRICS_HOST);
  // with workers each scrape is answered by one of them
  const { METRICS_PORT: metricsPort, METRICS_HOST: metricsHost } = config;
  const metricsServer =
    metricsPort === undefined
      ? null
      : serve({ fetch: createMetricsApp(metrics).fetch, port: metricsPort, hostname: metricsHost }, (info) => {
          logger.info({ port: info.port, host: metricsHost }, 'metrics listening');
        });

  // Pending effects (unknown payment outcomes, unopened tickets) are retried periodically too
  // (by the first worker only: the others finish theirs at start-up and at the customers' turns).
  const sweep =
    config.SUPPORT_SWEEP_INTERVAL_MS > 0 && workerIndex === 0
      ? setInterval(() => {
          runtime.recoverPendingEffects().catch((err: unknown) => logger.warn({ err }, 'sweep failed'));
        }, config.SUPPORT_SWEEP_INTERVAL_MS)
      : null;
  sweep?.unref();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!cluster.isWorker) process.stdout.write(`${signal}: no new messages; finishing turns in flight\n`);
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
    const how = drained ? 'stopped cleanly' : 'stopped: some turns did not finish in time (their state is saved)';
    process.stdout.write(cluster.isWorker ? `worker ${workerIndex} ${how}\n` : `${how}\n`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // a worker whose primary is gone stops too
  if (cluster.isWorker) process.on('disconnect', () => void shutdown('disconnect'));
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href;
if (isEntry) {
  startServer().catch((error) => {
    process.stderr.write(`failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}

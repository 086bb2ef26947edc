/**
 * Composition root: config → store → backends → model → runtime → app. The only file that names
 * concrete adapters.
 */
import { serve } from '@hono/node-server';
import { join, resolve } from 'node:path';
import { createApp } from './api/app.js';
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
import { createPostgresDriver } from './store/postgres-driver.js';
import { createSqliteDriver } from './store/sqlite-driver.js';
import { createSqlStore, migrate, releaseAllClaims } from './store/sql-store.js';
import type { SqlDriver } from './store/sql.js';

export interface Assembled {
  config: Config;
  db: SqlDriver;
  runtime: Runtime;
  model: Model;
  /** The development mailbox (codes are stored, not sent); null when SMTP_URL sends real mail. */
  mailbox: Mailbox | null;
}

/** SMTP when SMTP_URL is set, else the development mailbox on the store's database. */
function createMailer(config: Config, db: SqlDriver): { mailer: Mailer; mailbox: Mailbox | null } {
  if (config.SMTP_URL && config.SMTP_FROM) return { mailer: createSmtpMailer({ url: config.SMTP_URL, from: config.SMTP_FROM }), mailbox: null };
  const mailbox = createEmbeddedMailbox(db);
  return { mailer: mailbox, mailbox };
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

/** Builds everything from the configuration; also used by the CLI. */
export async function assemble(config: Config = loadConfig(), options: { ownsStore?: boolean } = {}): Promise<Assembled> {
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
  const fault = faultInjector(config.SUPPORT_FAULT);
  const { mailer, mailbox } = createMailer(config, db);
  const runtime = createRuntime({
    store: createSqlStore(db),
    backends: createEmbeddedBackends(db, () => new Date(), mailer),
    model,
    tools: defaultTools(),
    effects: defaultEffects(),
    policy: { refundLimitCents: config.REFUND_LIMIT, returnWindowDays: config.RETURN_WINDOW_DAYS },
    confirmRefunds: config.SUPPORT_CONFIRM_REFUNDS === 'always',
    verification: config.SUPPORT_VERIFICATION,
    approvalHours: config.SUPPORT_APPROVAL_HOURS,
    maxModelCalls: config.SUPPORT_MAX_MODEL_CALLS,
    turnTimeoutMs: config.SUPPORT_TURN_TIMEOUT_MS,
    effectClaimMs: config.SUPPORT_EFFECT_CLAIM_MS,
    ...(fault ? { fault } : {}),
  });
  return { config, db, runtime, model, mailbox };
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
  const { db, runtime, model, mailbox } = await assemble(config, { ownsStore: true });
  const recovered = await runtime.recoverPendingEffects();
  const app = createApp({
    runtime,
    adminToken: config.SUPPORT_ADMIN_TOKEN ?? null,
    maxBodyBytes: config.SUPPORT_MAX_BODY_BYTES,
    mcp: {},
    mailbox,
    health: () => ({
      status: 'ok',
      model: model.name,
      store: db.description,
      tools: runtime.toolNames,
      usage: runtime.usageTotals(),
    }),
  });
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    process.stdout.write(
      `support agent listening on http://localhost:${info.port} (model: ${model.name}, store: ${db.description}${recovered ? `, finished ${recovered} pending effects` : ''})\n`,
    );
  });

  // Pending effects (unknown payment outcomes, unopened tickets) are retried periodically too.
  const sweep =
    config.SUPPORT_SWEEP_INTERVAL_MS > 0
      ? setInterval(() => {
          runtime.recoverPendingEffects().catch((error) => process.stderr.write(`sweep failed: ${(error as Error).message}\n`));
        }, config.SUPPORT_SWEEP_INTERVAL_MS)
      : null;
  sweep?.unref();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: no new messages; finishing turns in flight\n`);
    if (sweep) clearInterval(sweep);
    server.close();
    const drained = await runtime.drain(config.SUPPORT_SHUTDOWN_GRACE_MS);
    await db.close();
    process.stdout.write(drained ? 'stopped cleanly\n' : 'stopped: some turns did not finish in time (their state is saved)\n');
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

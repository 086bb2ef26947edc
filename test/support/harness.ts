/** Builds a runtime on a temp-dir SQLite store with the demo data, for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBackends } from '../../src/backends/embedded/embedded-backends.js';
import { seedDemoData } from '../../src/backends/embedded/demo-data.js';
import type { Backends } from '../../src/backends/types.js';
import type { Model } from '../../src/models/types.js';
import { DEFAULT_POLICY, type RefundPolicy } from '../../src/policy.js';
import { createRuntime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import { createSqliteDriver } from '../../src/store/sqlite-driver.js';
import { createSqlStore, migrate, releaseAllClaims } from '../../src/store/sql-store.js';
import type { SqlDriver } from '../../src/store/sql.js';
import { productParts } from './runtime-parts.js';

export const FIXED_NOW = new Date('2026-11-26T12:00:00.000Z');
export const noSleep = async () => {};

export interface Harness {
  dir: string;
  db: SqlDriver;
  backends: Backends;
  runtime: ReturnType<typeof createRuntime>;
  /** Closes the database and opens it again with a new runtime (a process restart). */
  restart(model?: Model, extra?: Partial<RuntimeOptions>): Promise<Harness>;
  close(): Promise<void>;
}

export async function createHarness(
  model: Model,
  options: {
    policy?: RefundPolicy;
    wrapBackends?: (b: Backends) => Backends;
    dir?: string;
    keepDir?: boolean;
    runtime?: Partial<RuntimeOptions>;
    /** The clock of the store, the backends and the runtime (default: FIXED_NOW, always). */
    clock?: () => Date;
  } = {},
): Promise<Harness> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'support-agent-'));
  const db = createSqliteDriver(join(dir, 'support.db'));
  await migrate(db);
  // as main.ts does for the embedded store: a restart voids what the previous process held
  await releaseAllClaims(db);
  const clock = options.clock ?? (() => FIXED_NOW);
  await seedDemoData(db, FIXED_NOW);
  const raw = createEmbeddedBackends(db, clock);
  const backends = options.wrapBackends ? options.wrapBackends(raw) : raw;
  const store = createSqlStore(db, clock);
  const runtime = createRuntime({
    store,
    backends,
    model,
    policy: options.policy ?? DEFAULT_POLICY,
    clock,
    retry: { retries: 2, baseDelayMs: 1, sleep: noSleep },
    ...productParts(),
    // the tests written before refund confirmation keep their behaviour (SUPPORT_CONFIRM_REFUNDS=never);
    // tests of confirmation, approval and the path suite turn it on
    confirmRefunds: false,
    ...options.runtime,
  });
  const h: Harness = {
    dir,
    db,
    backends,
    runtime,
    async restart(nextModel = model, extra = {}) {
      await db.close();
      return createHarness(nextModel, {
        ...options,
        dir,
        keepDir: options.keepDir ?? false,
        runtime: { ...options.runtime, ...extra },
      });
    },
    async close() {
      await db.close().catch(() => {});
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/**
 * Throwaway PostgreSQL databases for tests.
 *
 * Set SUPPORT_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to a server where the
 * user may CREATE DATABASE. Each call makes `support_test_<unix seconds>_<random>` and returns its
 * URL and a cleanup that drops it WITH (FORCE). When the variable is unset or the server does not
 * answer, the helpers return a reason instead, for the tests to be reported as skipped with it
 * (see pgSuiteName). Set SUPPORT_TEST_PG_REQUIRED=1 (CI) to make an unavailable server an error.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const PG_URL_ENV = 'SUPPORT_TEST_PG_URL';
export const PG_REQUIRED_ENV = 'SUPPORT_TEST_PG_REQUIRED';
const PREFIX = 'support_test_';
/** Databases of earlier runs older than this are dropped on the next run (crashed runs leave them). */
const STALE_AFTER_S = 6 * 3600;

export interface PgTestDatabase {
  /** The URL of the throwaway database (same credentials as SUPPORT_TEST_PG_URL). */
  url: string;
  name: string;
  /** Drops the database WITH (FORCE) (closes what is still connected). Idempotent. */
  cleanup(): Promise<void>;
}

export type PgProbe = { ok: true; adminUrl: string; reason: null } | { ok: false; adminUrl: null; reason: string };
export type PgTestSetup = { db: PgTestDatabase; reason: null } | { db: null; reason: string };

/** `host:port/db` of a URL, without credentials (for messages). */
export function safeLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

function admin(url: string) {
  return postgres(url, { max: 1, connect_timeout: 3, idle_timeout: 1, onnotice: () => {} });
}

function unavailable(reason: string): { ok: false; adminUrl: null; reason: string } {
  if (process.env[PG_REQUIRED_ENV] === '1')
    throw new Error(`PostgreSQL tests required (${PG_REQUIRED_ENV}=1) but ${reason}`);
  return { ok: false, adminUrl: null, reason };
}

/** Whether the PostgreSQL tests can run: the variable is set and the server answers. */
export async function probePg(env: NodeJS.ProcessEnv = process.env): Promise<PgProbe> {
  const adminUrl = env[PG_URL_ENV];
  if (!adminUrl) return unavailable(`${PG_URL_ENV} is not set`);
  const sql = admin(adminUrl);
  try {
    await sql`SELECT 1`;
    return { ok: true, adminUrl, reason: null };
  } catch (error) {
    return unavailable(`PostgreSQL at ${safeLocation(adminUrl)} did not answer: ${(error as Error).message}`);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** The URL with another database name (keeps credentials and query parameters). */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function dropStale(sql: postgres.Sql): Promise<void> {
  const rows = await sql<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE ${`${PREFIX}%`}`;
  const cutoff = Math.floor(Date.now() / 1000) - STALE_AFTER_S;
  for (const { datname } of rows) {
    const m = /^support_test_(\d+)_[0-9a-f]+$/.exec(datname);
    if (m && Number(m[1]) < cutoff)
      await sql.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

/** Creates a throwaway database on a server known to answer (see probePg). */
export async function createDatabaseOn(adminUrl: string): Promise<PgTestDatabase> {
  const name = `${PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString('hex')}`;
  const sql = admin(adminUrl);
  try {
    await dropStale(sql);
    await sql.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
  let dropped = false;
  return {
    url: withDatabase(adminUrl, name),
    name,
    async cleanup() {
      if (dropped) return;
      dropped = true;
      const s = admin(adminUrl);
      try {
        await s.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await s.end({ timeout: 1 }).catch(() => {});
      }
    },
  };
}

/** Probe and create in one call: a throwaway database, or null with the reason to skip. */
export async function createPgTestDatabase(env: NodeJS.ProcessEnv = process.env): Promise<PgTestSetup> {
  const probe = await probePg(env);
  if (!probe.ok) return { db: null, reason: probe.reason };
  try {
    return { db: await createDatabaseOn(probe.adminUrl), reason: null };
  } catch (error) {
    const reason = `cannot create a test database on ${safeLocation(probe.adminUrl)}: ${(error as Error).message}`;
    return { db: null, reason: unavailable(reason).reason };
  }
}

/** A suite name that carries the skip reason, so the report says why: `name [SKIPPED: reason]`. */
export function pgSuiteName(name: string, probe: { reason: string | null }): string {
  return probe.reason === null ? name : `${name} [SKIPPED: ${probe.reason}]`;
}

/** The conversation store on a SqlDriver (SQLite or PostgreSQL): one implementation, two dialects. */
import { ADDED_COLUMNS, ADDED_INDEXES, SCHEMA_VERSION, schemaSql } from './schema.js';
import type { SqlDriver, SqlQueryable, SqlSyncQueryable, SqlValue } from './sql.js';
import type {
  CommitResult,
  CommitStep,
  ConversationRecord,
  ConversationStatus,
  ConversationStore,
  EffectRecord,
  LeaseResult,
  NewEvent,
  SnapshotIndex,
  StoredEvent,
} from './types.js';
import { casSet, effectColumns, pgCommitStatement, pgCreateStatement } from './statements.js';

type Row = Record<string, unknown>;

async function columnsOf(db: SqlDriver, table: string): Promise<Set<string>> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<Row>('SELECT name FROM pragma_table_info(?)', [table])
      : await db.all<Row>('SELECT column_name AS name FROM information_schema.columns WHERE table_name = ?', [table]);
  return new Set(rows.map((r) => String(r.name)));
}

/** Creates the tables if needed and brings older databases up to date (idempotent; safe from several processes). */
export async function migrate(db: SqlDriver): Promise<void> {
  await db.exec(schemaSql(db.dialect));
  const missing: string[] = [];
  for (const [table, column, type] of ADDED_COLUMNS) {
    if (!(await columnsOf(db, table)).has(column))
      missing.push(
        db.dialect === 'sqlite'
          ? `ALTER TABLE ${table} ADD COLUMN ${column} ${type};`
          : `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} ${type};`,
      );
  }
  if (missing.length) await db.exec(missing.join('\n'));
  // events of schema 1 get their per-conversation numbers (by the index of schema 1, dropped after),
  // conversations their index columns
  const unnumbered = await db.all<Row>('SELECT 1 AS one FROM events WHERE n IS NULL LIMIT 1');
  if (unnumbered.length) {
    await db.exec('CREATE INDEX IF NOT EXISTS events_by_conversation ON events (conversation_id, seq);');
    await db.run(
      `UPDATE events SET n = (SELECT COUNT(*) FROM events e2 WHERE e2.conversation_id = events.conversation_id
         AND e2.seq <= events.seq) WHERE n IS NULL`,
    );
  }
  await db.exec(ADDED_INDEXES);
  const value = db.dialect === 'sqlite' ? "json_extract(snapshot, '$.value')" : "(snapshot::json->>'value')";
  await db.run(
    `UPDATE conversations SET
       event_count = (SELECT COALESCE(MAX(e.n), 0) FROM events e WHERE e.conversation_id = conversations.id),
       state = ${value},
       status = CASE ${value} WHEN 'escalated' THEN 'escalated' WHEN 'resolved' THEN 'resolved' ELSE 'open' END
     WHERE state IS NULL`,
  );
  await db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING', ['schema_version', '1']);
  await db.run('UPDATE meta SET value = ? WHERE key = ?', [String(SCHEMA_VERSION), 'schema_version']);
}

/**
 * Voids every lease and effect claim. Only for a store owned by one process (embedded SQLite):
 * what a crashed run held is then certainly dead. Shared stores rely on expiry instead.
 */
export async function releaseAllClaims(db: SqlDriver): Promise<void> {
  await db.run('UPDATE conversations SET lease_holder = NULL, lease_until = NULL WHERE lease_holder IS NOT NULL');
  await db.run('UPDATE effects SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL');
}

const STATUSES: readonly ConversationStatus[] = ['open', 'resolved', 'escalated'];
const asStatus = (v: unknown): ConversationStatus => STATUSES.find((s) => s === v) ?? 'open';
const strOrNull = (v: unknown) => (v === null || v === undefined ? null : String(v));

function toConversation(r: Row): ConversationRecord {
  return {
    id: String(r.id),
    version: Number(r.version),
    machineVersion: Number(r.machine_version),
    snapshot: JSON.parse(String(r.snapshot)),
    tokenHash: String(r.token_hash),
    turn: Number(r.turn),
    eventCount: Number(r.event_count ?? 0),
    state: String(r.state ?? ''),
    status: asStatus(r.status),
    waitingSince: strOrNull(r.waiting_since),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

function toEffect(r: Row): EffectRecord {
  return {
    idempotencyKey: String(r.idempotency_key),
    conversationId: String(r.conversation_id),
    kind: String(r.kind),
    status: String(r.status) as EffectRecord['status'],
    request: JSON.parse(String(r.request)),
    response: r.response === null || r.response === undefined ? null : JSON.parse(String(r.response)),
    attempts: Number(r.attempts),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

/** Every stored event has the same fields in the same order (one object shape for the code that reads logs). */
function storedEvent(
  seq: number,
  n: number,
  conversationId: string,
  turn: number,
  e: NewEvent,
  createdAt: string,
): StoredEvent {
  return { seq, n, conversationId, turn, kind: e.kind, payload: e.payload ?? null, createdAt };
}

function toEvent(r: Row): StoredEvent {
  return storedEvent(
    Number(r.seq),
    Number(r.n),
    String(r.conversation_id),
    Number(r.turn),
    { kind: String(r.kind) as StoredEvent['kind'], payload: JSON.parse(String(r.payload)) },
    String(r.created_at),
  );
}

/** The statement inserting events numbered after `lastN` (one statement, whatever their number). */
function eventsInsert(
  conversationId: string,
  turn: number,
  events: NewEvent[],
  lastN: number,
  now: string,
): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [];
  const rows = events.map((e, i) => {
    params.push(conversationId, lastN - events.length + i + 1, turn, e.kind, JSON.stringify(e.payload ?? null), now);
    return '(?, ?, ?, ?, ?, ?)';
  });
  return {
    sql: `INSERT INTO events (conversation_id, n, turn, kind, payload, created_at)
     VALUES ${rows.join(', ')} RETURNING seq, n`,
    params,
  };
}

/** The events `eventsInsert` stored, from the rows it returned. */
function insertedEvents(
  inserted: Row[],
  conversationId: string,
  turn: number,
  events: NewEvent[],
  lastN: number,
  now: string,
): StoredEvent[] {
  const seqByN = new Map(inserted.map((r) => [Number(r.n), Number(r.seq)]));
  return events.map((e, i) => {
    const n = lastN - events.length + i + 1;
    return storedEvent(seqByN.get(n) ?? 0, n, conversationId, turn, e, now);
  });
}

/** Inserts events numbered after `lastN`, inside a synchronous SQLite transaction. */
function insertEventsSync(
  q: SqlSyncQueryable,
  ...[conversationId, turn, events, lastN, now]: Parameters<typeof eventsInsert>
): StoredEvent[] {
  if (events.length === 0) return [];
  const { sql, params } = eventsInsert(conversationId, turn, events, lastN, now);
  return insertedEvents(q.all<Row>(sql, params), conversationId, turn, events, lastN, now);
}

/** Inserts events numbered after `lastN`, in a transaction of either dialect. */
async function insertEvents(
  q: SqlQueryable,
  ...[conversationId, turn, events, lastN, now]: Parameters<typeof eventsInsert>
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const { sql, params } = eventsInsert(conversationId, turn, events, lastN, now);
  return insertedEvents(await q.all<Row>(sql, params), conversationId, turn, events, lastN, now);
}

/** The events of a commit as stored, numbered after `lastN` (the conversation's count after the commit). */
export function storedEvents(step: CommitStep, lastN: number, seqByN: Map<number, number>, at: string): StoredEvent[] {
  const k = step.events.length;
  return step.events.map((e, i) => {
    const n = lastN - k + i + 1;
    return storedEvent(seqByN.get(n) ?? 0, n, step.conversationId, step.turn, e, at);
  });
}

/** Thrown inside a transaction to roll it back with a result. */
class Abort {
  constructor(readonly result: CommitResult) {}
}

/** The lease statement's RETURNING list: the record and whether an effect is pending. */
const LEASE_RETURNING =
  "*, EXISTS (SELECT 1 FROM effects e WHERE e.conversation_id = conversations.id AND e.status = 'pending') " +
  'AS pending_effects';

/** Creates the store on a migrated database; `now` stamps rows (tests pass a fixed clock). */
export function createSqlStore(db: SqlDriver, now: () => Date = () => new Date()): ConversationStore {
  const iso = () => now().toISOString();
  /** The SQLite paths' transactions: synchronous bodies (see SqlDriver.txSync). */
  const txSync: NonNullable<SqlDriver['txSync']> = (fn, options) => {
    if (!db.txSync) throw new Error(`the ${db.dialect} driver has no synchronous transactions`);
    return db.txSync(fn, options);
  };

  /**
   * PostgreSQL: the whole step is one statement (data-modifying CTEs), so a step without effects
   * is one round trip in autocommit. A step that inserts effects runs that statement inside a
   * transaction, to roll it back when an idempotency key already exists.
   */
  async function commitPostgres(step: CommitStep, at: string, withEffects: boolean): Promise<CommitResult> {
    const { sql, params } = pgCommitStatement(step, at);
    const apply = async (q: SqlQueryable): Promise<CommitResult> => {
      const rows = await q.all<Row>(sql, params);
      const first = rows[0];
      if (!first) return { ok: false, reason: 'conflict' };
      const inserted = new Set(
        rows.filter((r) => r.effect_key !== null && r.effect_key !== undefined).map((r) => String(r.effect_key)),
      );
      const missing = (step.effects ?? []).find((e) => !inserted.has(e.idempotencyKey));
      if (missing) throw new Abort({ ok: false, reason: 'duplicate_effect', idempotencyKey: missing.idempotencyKey });
      const seqByN = new Map<number, number>();
      for (const r of rows) if (r.n !== null && r.n !== undefined) seqByN.set(Number(r.n), Number(r.seq));
      return {
        ok: true,
        version: step.expectedVersion + 1,
        events: storedEvents(step, Number(first.event_count), seqByN, at),
      };
    };
    try {
      return withEffects ? await db.tx(apply) : await apply(db);
    } catch (error) {
      if (error instanceof Abort) return error.result;
      throw error;
    }
  }

  return {
    kind: db.dialect,
    description: db.description,
    async createConversation({ id, tokenHash, machineVersion, snapshot, index, now: at, events }) {
      if (db.dialect === 'postgres') {
        // one statement, one round trip: the row and its first events commit together
        const { sql, params } = pgCreateStatement({ id, tokenHash, machineVersion, snapshot, index, now: at, events });
        const rows = await db.all<Row>(sql, params);
        const seqByN = new Map(rows.map((r) => [Number(r.n), Number(r.seq)]));
        return events.map((e, i) => storedEvent(seqByN.get(i + 1) ?? 0, i + 1, id, 0, e, at));
      }
      const snapshotJson = JSON.stringify(snapshot);
      return txSync((q) => {
        q.run(
          `INSERT INTO conversations (id, version, machine_version, snapshot, token_hash, turn, event_count,
             state, status, waiting_since, wake_at, created_at, updated_at)
           VALUES (?, 1, ?, ?, ?, 0, ?, ?, ?, NULL, ?, ?, ?)`,
          [id, machineVersion, snapshotJson, tokenHash, events.length, index.state, index.status, index.wakeAt, at, at],
        );
        return insertEventsSync(q, id, 0, events, events.length, at);
      });
    },
    async getConversation(id) {
      const rows = await db.all<Row>('SELECT * FROM conversations WHERE id = ?', [id]);
      return rows[0] ? toConversation(rows[0]) : null;
    },
    async getTokenHash(id) {
      const rows = await db.all<Row>('SELECT token_hash FROM conversations WHERE id = ?', [id]);
      return rows[0] ? String(rows[0].token_hash) : null;
    },
    async getVersion(id) {
      const rows = await db.all<Row>('SELECT version FROM conversations WHERE id = ?', [id]);
      return rows[0] ? Number(rows[0].version) : null;
    },
    async acquireLease(id, holder, until, at) {
      const { changes } = await db.run(
        `UPDATE conversations SET lease_holder = ?, lease_until = ?
         WHERE id = ? AND (lease_until IS NULL OR lease_until < ? OR lease_holder = ?)`,
        [holder, until, id, at, holder],
      );
      return changes === 1;
    },
    async releaseLease(id, holder) {
      await db.run(
        'UPDATE conversations SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?',
        [id, holder],
      );
    },
    async leaseConversation(id, tokenHash, holder, until, at): Promise<LeaseResult> {
      const rows = await db.all<Row>(
        `UPDATE conversations SET lease_holder = ?, lease_until = ?
         WHERE id = ? AND token_hash = ? AND (lease_until IS NULL OR lease_until < ? OR lease_holder = ?)
         RETURNING ${LEASE_RETURNING}`,
        [holder, until, id, tokenHash, at, holder],
      );
      const row = rows[0];
      if (row) return { ok: true, record: toConversation(row), pendingEffects: Boolean(Number(row.pending_effects)) };
      // not leased: busy if the token opens it, otherwise the same answer for unknown and not-yours
      const held = await db.all<Row>('SELECT token_hash FROM conversations WHERE id = ?', [id]);
      return { ok: false, reason: held[0] && String(held[0].token_hash) === tokenHash ? 'busy' : 'not_found' };
    },
    async commit(step: CommitStep) {
      const at = iso();
      // an outbox row precedes a side effect: it must be on disk before the effect runs
      const durable = (step.effects?.length ?? 0) > 0;
      if (db.dialect === 'postgres') return commitPostgres(step, at, durable);
      // computed before the transaction: the write lock is held for the statements alone
      const { set, params } = casSet(step, at);
      const effects = (step.effects ?? []).map((e) => ({
        key: e.idempotencyKey,
        params: [...effectColumns(e), step.conversationId, at, at],
      }));
      const completed = (step.completeEffects ?? []).map((done) => [
        done.status,
        JSON.stringify(done.response ?? null),
        at,
        done.idempotencyKey,
      ]);
      try {
        return await txSync(
          (q) => {
            // the CAS takes the conversation's row lock: events are numbered in commit order under it
            const moved = q.all<Row>(
              `UPDATE conversations SET ${set} WHERE id = ? AND version = ? RETURNING event_count`,
              [...params, step.conversationId, step.expectedVersion],
            );
            const row = moved[0];
            if (!row) throw new Abort({ ok: false, reason: 'conflict' });
            for (const effect of effects) {
              const inserted = q.all<Row>(
                `INSERT INTO effects (idempotency_key, kind, request, attempts, claimed_by, claimed_until,
                   conversation_id, status, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING RETURNING idempotency_key`,
                effect.params,
              );
              if (inserted.length !== 1)
                throw new Abort({ ok: false, reason: 'duplicate_effect', idempotencyKey: effect.key });
            }
            for (const done of completed) {
              q.run(
                `UPDATE effects SET status = ?, response = ?, claimed_by = NULL, claimed_until = NULL, updated_at = ?
                 WHERE idempotency_key = ? AND status = 'pending'`,
                done,
              );
            }
            const events = insertEventsSync(
              q,
              step.conversationId,
              step.turn,
              step.events,
              Number(row.event_count),
              at,
            );
            return { ok: true as const, version: step.expectedVersion + 1, events };
          },
          { durable },
        );
      } catch (error) {
        if (error instanceof Abort) return error.result;
        throw error;
      }
    },
    async appendEvents(conversationId, turn, events) {
      if (events.length === 0) return [];
      const at = iso();
      return db.tx(async (q) => {
        const rows = await q.all<Row>(
          'UPDATE conversations SET event_count = event_count + ? WHERE id = ? RETURNING event_count',
          [events.length, conversationId],
        );
        if (!rows[0]) throw new Error('conversation not found');
        return insertEvents(q, conversationId, turn, events, Number(rows[0].event_count), at);
      });
    },
    async listEvents(conversationId, afterN = 0) {
      const rows = await db.all<Row>('SELECT * FROM events WHERE conversation_id = ? AND n > ? ORDER BY n', [
        conversationId,
        afterN,
      ]);
      return rows.map(toEvent);
    },
    async listConversations({ states, dueBefore, limit = 500 }) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (states?.length) {
        where.push(`state IN (${states.map(() => '?').join(', ')})`);
        params.push(...states);
      }
      if (dueBefore) {
        where.push('wake_at IS NOT NULL AND wake_at <= ?');
        params.push(dueBefore);
      }
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const rows = await db.all<Row>(
        `SELECT * FROM conversations ${clause} ORDER BY COALESCE(waiting_since, updated_at), id ` +
          `LIMIT ${Math.max(1, Math.floor(limit))}`,
        params,
      );
      return rows.map(toConversation);
    },
    async revokeToken(id) {
      const { changes } = await db.run('UPDATE conversations SET token_hash = ? WHERE id = ?', [
        `revoked:${iso()}`,
        id,
      ]);
      return changes === 1;
    },
    async purgeIdle(before) {
      const idle = `SELECT c.id FROM conversations c WHERE c.updated_at < ?
        AND COALESCE(c.state, '') NOT IN
          ('escalated', 'awaiting-approval', 'human-active', 'refund-pending', 'refund-reconciling')
        AND NOT EXISTS (SELECT 1 FROM effects e WHERE e.conversation_id = c.id AND e.status = 'pending')`;
      return db.tx(async (q) => {
        const ids = (await q.all<Row>(idle, [before])).map((r) => String(r.id));
        if (ids.length === 0) return 0;
        const marks = ids.map(() => '?').join(', ');
        // effect outcomes are the audit of money movements: they stay (refunds and tickets live in their own tables)
        await q.run(`DELETE FROM events WHERE conversation_id IN (${marks}) AND kind <> 'effect'`, ids);
        await q.run(`DELETE FROM conversations WHERE id IN (${marks})`, ids);
        return ids.length;
      });
    },
    async listConversationIds() {
      const rows = await db.all<Row>('SELECT id FROM conversations ORDER BY created_at, id');
      return rows.map((r) => String(r.id));
    },
    async getEffect(key) {
      const rows = await db.all<Row>('SELECT * FROM effects WHERE idempotency_key = ?', [key]);
      return rows[0] ? toEffect(rows[0]) : null;
    },
    async listPendingEffects(conversationId) {
      const rows = conversationId
        ? await db.all<Row>(
            "SELECT * FROM effects WHERE status = 'pending' AND conversation_id = ? " +
              'ORDER BY created_at, idempotency_key',
            [conversationId],
          )
        : await db.all<Row>("SELECT * FROM effects WHERE status = 'pending' ORDER BY created_at, idempotency_key");
      return rows.map(toEffect);
    },
    async claimEffect(key, holder, until, at) {
      const { changes } = await db.run(
        `UPDATE effects SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
         WHERE idempotency_key = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?)`,
        [holder, until, key, at],
      );
      return changes === 1;
    },
    async releaseEffect(key, holder) {
      await db.run(
        'UPDATE effects SET claimed_by = NULL, claimed_until = NULL WHERE idempotency_key = ? AND claimed_by = ?',
        [key, holder],
      );
    },
    close: () => db.close(),
  };
}

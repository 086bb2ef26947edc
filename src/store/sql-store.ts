/** The conversation store on a SqlDriver (SQLite or PostgreSQL): one implementation, two dialects. */
import { SCHEMA_VERSION, schemaSql } from './schema.js';
import type { SqlDriver, SqlQueryable } from './sql.js';
import type {
  CommitResult,
  CommitStep,
  ConversationRecord,
  ConversationStore,
  EffectRecord,
  NewEvent,
  StoredEvent,
} from './types.js';

type Row = Record<string, unknown>;

/** Creates the tables if needed (idempotent; safe from several processes at once). */
export async function migrate(db: SqlDriver): Promise<void> {
  await db.exec(schemaSql(db.dialect));
  await db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING', ['schema_version', String(SCHEMA_VERSION)]);
}

/**
 * Voids every lease and effect claim. Only for a store owned by one process (embedded SQLite):
 * what a crashed run held is then certainly dead. Shared stores rely on expiry instead.
 */
export async function releaseAllClaims(db: SqlDriver): Promise<void> {
  await db.run('UPDATE conversations SET lease_holder = NULL, lease_until = NULL WHERE lease_holder IS NOT NULL');
  await db.run('UPDATE effects SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL');
}

function toConversation(r: Row): ConversationRecord {
  return {
    id: String(r.id),
    version: Number(r.version),
    machineVersion: Number(r.machine_version),
    snapshot: JSON.parse(String(r.snapshot)),
    tokenHash: String(r.token_hash),
    turn: Number(r.turn),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

function toEffect(r: Row): EffectRecord {
  return {
    idempotencyKey: String(r.idempotency_key),
    conversationId: String(r.conversation_id),
    kind: String(r.kind) as EffectRecord['kind'],
    status: String(r.status) as EffectRecord['status'],
    request: JSON.parse(String(r.request)),
    response: r.response === null || r.response === undefined ? null : JSON.parse(String(r.response)),
    attempts: Number(r.attempts),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

async function insertEvents(q: SqlQueryable, conversationId: string, turn: number, events: NewEvent[], now: string) {
  for (const e of events) {
    await q.run('INSERT INTO events (conversation_id, turn, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)', [
      conversationId,
      turn,
      e.kind,
      JSON.stringify(e.payload ?? null),
      now,
    ]);
  }
}

/** Thrown inside a transaction to roll it back with a result. */
class Abort {
  constructor(readonly result: CommitResult) {}
}

/** Creates the store on a migrated database; `now` stamps rows (tests pass a fixed clock). */
export function createSqlStore(db: SqlDriver, now: () => Date = () => new Date()): ConversationStore {
  const iso = () => now().toISOString();
  return {
    kind: db.dialect,
    description: db.description,
    async createConversation({ id, tokenHash, machineVersion, snapshot, now: at }) {
      await db.run(
        'INSERT INTO conversations (id, version, machine_version, snapshot, token_hash, turn, created_at, updated_at) VALUES (?, 1, ?, ?, ?, 0, ?, ?)',
        [id, machineVersion, JSON.stringify(snapshot), tokenHash, at, at],
      );
    },
    async getConversation(id) {
      const rows = await db.all<Row>('SELECT * FROM conversations WHERE id = ?', [id]);
      return rows[0] ? toConversation(rows[0]) : null;
    },
    async listConversationIds() {
      const rows = await db.all<Row>('SELECT id FROM conversations ORDER BY created_at, id');
      return rows.map((r) => String(r.id));
    },
    async acquireLease(id, holder, until, at) {
      const { changes } = await db.run(
        'UPDATE conversations SET lease_holder = ?, lease_until = ? WHERE id = ? AND (lease_until IS NULL OR lease_until < ? OR lease_holder = ?)',
        [holder, until, id, at, holder],
      );
      return changes === 1;
    },
    async releaseLease(id, holder) {
      await db.run('UPDATE conversations SET lease_holder = NULL, lease_until = NULL WHERE id = ? AND lease_holder = ?', [id, holder]);
    },
    async commit(step: CommitStep) {
      const at = iso();
      try {
        return await db.tx(async (q) => {
          const moved = await q.run(
            'UPDATE conversations SET version = version + 1, snapshot = ?, turn = ?, updated_at = ? WHERE id = ? AND version = ?',
            [JSON.stringify(step.snapshot), step.turn, at, step.conversationId, step.expectedVersion],
          );
          if (moved.changes !== 1) throw new Abort({ ok: false, reason: 'conflict' });
          for (const effect of step.effects ?? []) {
            const inserted = await q.all<Row>(
              `INSERT INTO effects (idempotency_key, conversation_id, kind, status, request, attempts, created_at, updated_at)
               VALUES (?, ?, ?, 'pending', ?, 0, ?, ?) ON CONFLICT DO NOTHING RETURNING idempotency_key`,
              [effect.idempotencyKey, step.conversationId, effect.kind, JSON.stringify(effect.request), at, at],
            );
            if (inserted.length !== 1) throw new Abort({ ok: false, reason: 'duplicate_effect', idempotencyKey: effect.idempotencyKey });
          }
          for (const done of step.completeEffects ?? []) {
            await q.run(
              "UPDATE effects SET status = ?, response = ?, claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE idempotency_key = ? AND status = 'pending'",
              [done.status, JSON.stringify(done.response ?? null), at, done.idempotencyKey],
            );
          }
          await insertEvents(q, step.conversationId, step.turn, step.events, at);
          return { ok: true as const, version: step.expectedVersion + 1 };
        });
      } catch (error) {
        if (error instanceof Abort) return error.result;
        throw error;
      }
    },
    async appendEvents(conversationId, turn, events) {
      if (events.length === 0) return;
      const at = iso();
      await db.tx((q) => insertEvents(q, conversationId, turn, events, at));
    },
    async listEvents(conversationId) {
      const rows = await db.all<Row>('SELECT * FROM events WHERE conversation_id = ? ORDER BY seq', [conversationId]);
      return rows.map(
        (r): StoredEvent => ({
          seq: Number(r.seq),
          conversationId: String(r.conversation_id),
          turn: Number(r.turn),
          kind: String(r.kind) as StoredEvent['kind'],
          payload: JSON.parse(String(r.payload)),
          createdAt: String(r.created_at),
        }),
      );
    },
    async getEffect(key) {
      const rows = await db.all<Row>('SELECT * FROM effects WHERE idempotency_key = ?', [key]);
      return rows[0] ? toEffect(rows[0]) : null;
    },
    async listPendingEffects(conversationId) {
      const rows = conversationId
        ? await db.all<Row>("SELECT * FROM effects WHERE status = 'pending' AND conversation_id = ? ORDER BY created_at", [conversationId])
        : await db.all<Row>("SELECT * FROM effects WHERE status = 'pending' ORDER BY created_at");
      return rows.map(toEffect);
    },
    async claimEffect(key, holder, until, at) {
      const { changes } = await db.run(
        "UPDATE effects SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1 WHERE idempotency_key = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?)",
        [holder, until, key, at],
      );
      return changes === 1;
    },
    async releaseEffect(key, holder) {
      await db.run('UPDATE effects SET claimed_by = NULL, claimed_until = NULL WHERE idempotency_key = ? AND claimed_by = ?', [key, holder]);
    },
    close: () => db.close(),
  };
}

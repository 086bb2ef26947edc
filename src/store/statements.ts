/**
 * SQL of a commit step. The compare-and-swap's SET list is shared by both dialects; on PostgreSQL
 * a whole step is one statement with data-modifying CTEs, so that it is one round trip instead of
 * BEGIN, one statement per table, COMMIT. Every CTE hangs off the compare-and-swap (`moved`):
 * when the version moved on, nothing is written.
 */
import type { SqlValue } from './sql.js';
import type { CommitStep, NewConversation, SnapshotIndex } from './types.js';

export function indexParams(index: SnapshotIndex, now: string): SqlValue[] {
  return [index.state, index.status, index.waiting ? 1 : 0, now, index.wakeAt];
}
export const INDEX_SET =
  'state = ?, status = ?, waiting_since = CASE WHEN ? = 1 THEN COALESCE(waiting_since, ?) ELSE NULL END, wake_at = ?';
/** Releases the lease of one holder in the same UPDATE (SET expressions read the row as it was). */
export const LEASE_RELEASE_SET =
  'lease_holder = CASE WHEN lease_holder = ? THEN NULL ELSE lease_holder END, ' +
  'lease_until = CASE WHEN lease_holder = ? THEN NULL ELSE lease_until END';

/** The compare-and-swap's SET list and its parameters, shared by both dialects. */
export function casSet(step: CommitStep, at: string): { set: string; params: SqlValue[] } {
  const params: SqlValue[] = [
    JSON.stringify(step.snapshot),
    step.turn,
    at,
    ...indexParams(step.index, at),
    step.events.length,
  ];
  let set =
    `version = version + 1, snapshot = ?, turn = ?, updated_at = ?, ${INDEX_SET}, ` + 'event_count = event_count + ?';
  if (step.releaseLease !== undefined) {
    set += `, ${LEASE_RELEASE_SET}`;
    params.push(step.releaseLease, step.releaseLease);
  }
  return { set, params };
}

/**
 * One commit step: CAS the conversation (and release the lease), insert its effects (ON CONFLICT
 * DO NOTHING: a missing key in the answer is a duplicate, which the caller rolls back), complete
 * effects, append the events numbered under the row lock. Rows answer `event_count` with each
 * inserted event's `seq` and `n`, then one row per inserted effect key; no row means conflict.
 */
/** An effect's own columns, in this order: idempotency_key, kind, request, attempts, claimed_by, claimed_until. */
export function effectColumns(e: NonNullable<CommitStep['effects']>[number]): SqlValue[] {
  return [
    e.idempotencyKey,
    e.kind,
    JSON.stringify(e.request),
    e.claim ? 1 : 0,
    e.claim?.holder ?? null,
    e.claim?.until ?? null,
  ];
}

export function pgCommitStatement(step: CommitStep, at: string): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [];
  const ctes: string[] = [];
  const { set, params: setParams } = casSet(step, at);
  params.push(...setParams, step.conversationId, step.expectedVersion);
  ctes.push(`moved AS (UPDATE conversations SET ${set} WHERE id = ? AND version = ? RETURNING event_count)`);

  const effects = step.effects ?? [];
  if (effects.length) {
    params.push(step.conversationId, at, at);
    const values = effects.map((e) => {
      params.push(...effectColumns(e));
      return '(?, ?, ?, CAST(? AS INTEGER), ?, ?)';
    });
    ctes.push(
      `eff AS (INSERT INTO effects (idempotency_key, conversation_id, kind, status, request, attempts,
           claimed_by, claimed_until, created_at, updated_at)
         SELECT v.k, ?, v.kind, 'pending', v.request, v.attempts, v.holder, v.until, ?, ?
         FROM moved, (VALUES ${values.join(', ')}) AS v(k, kind, request, attempts, holder, until)
         ON CONFLICT DO NOTHING RETURNING idempotency_key)`,
    );
  }

  const completes = step.completeEffects ?? [];
  if (completes.length) {
    params.push(at);
    const values = completes.map((c) => {
      params.push(c.idempotencyKey, c.status, JSON.stringify(c.response ?? null));
      return '(?, ?, ?)';
    });
    ctes.push(
      `done AS (UPDATE effects SET status = v.status, response = v.response, claimed_by = NULL, claimed_until = NULL,
           updated_at = ?
         FROM moved, (VALUES ${values.join(', ')}) AS v(k, status, response)
         WHERE effects.idempotency_key = v.k AND effects.status = 'pending' RETURNING 1)`,
    );
  }

  const k = step.events.length;
  if (k) {
    params.push(step.conversationId, k, step.turn, at);
    const values = step.events.map((e, i) => {
      params.push(e.kind, JSON.stringify(e.payload ?? null));
      return `(${i + 1}, ?, ?)`;
    });
    ctes.push(
      `ins AS (INSERT INTO events (conversation_id, n, turn, kind, payload, created_at)
         SELECT ?, moved.event_count - CAST(? AS INTEGER) + v.i, CAST(? AS INTEGER), v.kind, v.payload, ?
         FROM moved, (VALUES ${values.join(', ')}) AS v(i, kind, payload) RETURNING seq, n)`,
    );
  }

  const eventRows = k
    ? 'SELECT m.event_count, i.seq, i.n, CAST(NULL AS TEXT) AS effect_key FROM moved m LEFT JOIN ins i ON true'
    : 'SELECT m.event_count, CAST(NULL AS BIGINT) AS seq, CAST(NULL AS INTEGER) AS n, ' +
      'CAST(NULL AS TEXT) AS effect_key FROM moved m';
  const effectRows = effects.length ? ' UNION ALL SELECT NULL, NULL, NULL, f.idempotency_key FROM moved, eff f' : '';
  return { sql: `WITH ${ctes.join(',\n')}\n${eventRows}${effectRows}`, params };
}

/** A new conversation and its first events, in one statement. */
export function pgCreateStatement(c: NewConversation): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [
    c.id,
    c.machineVersion,
    JSON.stringify(c.snapshot),
    c.tokenHash,
    c.events.length,
    c.index.state,
    c.index.status,
    c.index.wakeAt,
    c.now,
    c.now,
  ];
  const insert = `INSERT INTO conversations (id, version, machine_version, snapshot, token_hash, turn, event_count,
      state, status, waiting_since, wake_at, created_at, updated_at)
    VALUES (?, 1, ?, ?, ?, 0, ?, ?, ?, NULL, ?, ?, ?)`;
  if (c.events.length === 0) return { sql: insert, params };
  params.push(c.now);
  const values = c.events.map((e, i) => {
    params.push(e.kind, JSON.stringify(e.payload ?? null));
    return `(${i + 1}, ?, ?)`;
  });
  return {
    sql: `WITH c AS (${insert} RETURNING id)
      INSERT INTO events (conversation_id, n, turn, kind, payload, created_at)
      SELECT c.id, v.n, 0, v.kind, v.payload, ? FROM c, (VALUES ${values.join(', ')}) AS v(n, kind, payload)
      RETURNING seq, n`,
    params,
  };
}

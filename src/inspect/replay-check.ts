/**
 * The pre-deploy check over a whole store: every conversation's facts replayed through the
 * current machine, compared with its stored snapshot as migrated by `restore`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AnyStateMachine } from 'xstate';
import type { ConversationStore, PersistedConversation } from '../store/types.js';
import { valueString } from './fold.js';
import { conversationLog } from './log.js';
import { replayLog, type Divergence } from './replay.js';

export interface ReplayReport {
  conversationId: string;
  facts: number;
  /** The stored state after migration (the raw stored value when the snapshot does not migrate). */
  storedState: string;
  replayedState: string;
  /** Replayed state = stored state. */
  equal: boolean;
  /** null when the stored snapshot migrates to the current machine; else why not. */
  migrationError: string | null;
  /** Replayed context = migrated stored context (informational: a migration may fill fields in). */
  contextEqual: boolean;
  divergedAt: Divergence | null;
  refused: number[];
}

export type RestoreSnapshot = (
  persisted: PersistedConversation,
  machineVersion: number,
) => { value: unknown; context: unknown };

export async function replayStore(
  store: Pick<ConversationStore, 'listConversationIds' | 'getConversation' | 'listEvents'>,
  machine: AnyStateMachine,
  restore: RestoreSnapshot,
): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  for (const id of await store.listConversationIds()) {
    const record = await store.getConversation(id);
    const log = record ? await conversationLog(store, id) : null;
    if (!record || !log) continue; // deleted meanwhile
    let migrated: { value: unknown; context: unknown } | null = null;
    let migrationError: string | null = null;
    try {
      migrated = restore(record.snapshot, record.machineVersion);
    } catch (error) {
      migrationError = error instanceof Error ? error.message : String(error);
    }
    const storedState = migrated ? valueString(migrated.value) : log.storedState;
    const result = replayLog(machine, { ...log, storedState });
    reports.push({
      conversationId: id,
      facts: log.facts.length,
      storedState,
      replayedState: result.state,
      equal: result.equal,
      migrationError,
      contextEqual:
        migrated !== null &&
        isDeepStrictEqual(JSON.parse(JSON.stringify(result.context)), JSON.parse(JSON.stringify(migrated.context))),
      divergedAt: result.divergedAt,
      refused: result.refused,
    });
  }
  return reports;
}

/** The lines `npm run replay` prints, and whether the check passed. */
export function formatReplay(reports: readonly ReplayReport[]): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  const failed = reports.filter((r) => !r.equal || r.migrationError !== null);
  for (const r of failed) {
    const why =
      r.migrationError !== null
        ? `stored snapshot does not migrate (${r.migrationError})`
        : `stored ${r.storedState}, replayed ${r.replayedState}`;
    const where = r.divergedAt
      ? `; first difference at fact ${r.divergedAt.seq} ` +
        `(${r.divergedAt.event}: ${r.divergedAt.expected} → ${r.divergedAt.actual})`
      : '';
    lines.push(`DIFFERS ${r.conversationId}: ${why}${where}`);
  }
  const contextOnly = reports.filter((r) => r.equal && r.migrationError === null && !r.contextEqual).length;
  const facts = reports.reduce((n, r) => n + r.facts, 0);
  lines.push(
    `${reports.length} conversations replayed (${facts} facts): ${failed.length} differ` +
      (contextOnly ? `, ${contextOnly} with a context that differs from the migrated one (state equal)` : ''),
  );
  return { lines, ok: failed.length === 0 };
}

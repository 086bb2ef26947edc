/**
 * Replay: a conversation's facts folded through a (possibly newer) machine from its initial
 * snapshot. The check before deploying a machine version: every stored conversation must end
 * where the store says it is.
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { initialSnapshot, step, valueString } from './fold.js';
import type { ConversationLog } from './types.js';

export interface Divergence {
  seq: number;
  event: string;
  /** The recorded `to` of the fact. */
  expected: string;
  /** Where this machine went instead. */
  actual: string;
}

export interface ReplayResult {
  /** The replayed state value. */
  state: string;
  /** Whether it is the stored state. */
  equal: boolean;
  /** The replayed context (compare with the stored one to see what a migration must fill in). */
  context: unknown;
  /** The first fact whose recorded `to` this machine does not reproduce, if any. */
  divergedAt: Divergence | null;
  /** Seqs of facts this machine no longer accepts at their point in the log. */
  refused: number[];
}

/** Folds the log's facts, in order, through `machine` from the initial snapshot of the log's input. */
export function replayLog(machine: AnyStateMachine, log: ConversationLog): ReplayResult {
  let snapshot: AnyMachineSnapshot = initialSnapshot(machine, log.input);
  let divergedAt: Divergence | null = null;
  const refused: number[] = [];
  for (const fact of log.facts) {
    const result = step(machine, snapshot, fact.event);
    if (!result.accepted) refused.push(fact.seq);
    if (divergedAt === null && result.state !== fact.to)
      divergedAt = { seq: fact.seq, event: fact.event.type, expected: fact.to, actual: result.state };
    snapshot = result.snapshot;
  }
  const state = valueString(snapshot.value);
  return { state, equal: state === log.storedState, context: snapshot.context, divergedAt, refused };
}

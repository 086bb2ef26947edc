/** Where a conversation has been on the chart: its current state, the states visited, the transitions taken. */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { ChartModel } from './chart-model.js';
import { initialSnapshot, snapshotAt, step, valueString } from './fold.js';
import type { ConversationLog } from './types.js';

export interface ChartTrace {
  /** The state ids of the current (stored) state: one, or one per parallel region. */
  current: Set<string>;
  /** Every state id the conversation was in (with the ancestors of nested states). */
  visited: Set<string>;
  /** How often each chart transition was taken. */
  taken: Map<string, number>;
}

/** The state ids a state value string covers: `a.b` → the ids of `a` and `a.b`. */
export function stateIdsOf(model: ChartModel, value: string): { leaves: string[]; all: string[] } {
  const leaves: string[] = [];
  const all: string[] = [];
  for (const path of value.split(',').filter(Boolean)) {
    const keys = path.split('.');
    keys.forEach((_, i) => {
      const id = model.stateAtPath(keys.slice(0, i + 1).join('.'))?.id;
      if (id === undefined) return;
      all.push(id);
      if (i === keys.length - 1) leaves.push(id);
    });
  }
  return { leaves, all };
}

/** Folds the log as the inspector shows it (the recorded `to` wins) and records the path taken. */
export function traceLog(machine: AnyStateMachine, model: ChartModel, log: ConversationLog): ChartTrace {
  const visited = new Set<string>();
  const taken = new Map<string, number>();
  const visit = (value: string) => stateIdsOf(model, value).all.forEach((id) => visited.add(id));
  let snapshot: AnyMachineSnapshot = initialSnapshot(machine, log.input);
  visit(valueString(snapshot.value));
  for (const fact of log.facts) {
    const result = step(machine, snapshot, fact.event);
    for (const definition of result.transitions) {
      const id = model.idOf(definition);
      if (id !== undefined) taken.set(id, (taken.get(id) ?? 0) + 1);
    }
    visit(fact.from);
    visit(fact.to);
    snapshot =
      result.state === fact.to
        ? result.snapshot
        : (snapshotAt(machine, fact.to, result.snapshot.context) ?? result.snapshot);
  }
  const current = new Set(stateIdsOf(model, log.storedState).leaves);
  current.forEach((id) => visited.add(id));
  return { current, visited, taken };
}

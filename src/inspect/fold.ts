/**
 * Folding facts through a machine, generically over any state machine: its initial snapshot
 * from an input, one step per fact (with the transitions taken), and state values as strings.
 */
import {
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type StateValue,
} from 'xstate';

export type MachineEvent = { type: string } & Record<string, unknown>;

/** A state value as one string: `a`, `a.b` for nested states, `a.b,c.d` for parallel regions. */
export function valueString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  const paths: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const inner = valueString(child);
    paths.push(...(inner === '' ? [key] : inner.split(',').map((p) => `${key}.${p}`)));
  }
  return paths.join(',');
}

/** The inverse of valueString: `a.b,a.c` → `{ a: { b: …, c: … } }` (a plain name stays a string). */
export function parseValue(text: string): StateValue {
  const paths = text.split(',').filter(Boolean);
  if (paths.length === 1 && !paths[0]!.includes('.')) return paths[0]!;
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    const keys = path.split('.');
    let node = root;
    keys.forEach((key, i) => {
      if (i === keys.length - 1) {
        if (!(key in node)) node[key] = {};
        return;
      }
      const next = node[key];
      node = next && typeof next === 'object' ? (next as Record<string, unknown>) : (node[key] = {});
    });
  }
  const collapse = (n: Record<string, unknown>): StateValue => {
    const entries = Object.entries(n).map(([k, v]) => [k, v as Record<string, unknown>] as const);
    const out: Record<string, StateValue> = {};
    for (const [k, v] of entries) {
      const children = Object.keys(v);
      out[k] =
        children.length === 1 && Object.keys(v[children[0]!] as object).length === 0 ? children[0]! : collapse(v);
    }
    return out;
  };
  return collapse(root);
}

/** The machine's initial snapshot for an input. */
export function initialSnapshot(machine: AnyStateMachine, input: Record<string, unknown>): AnyMachineSnapshot {
  return initialTransition(machine, input)[0];
}

export interface Step {
  snapshot: AnyMachineSnapshot;
  /** Whether the machine still accepts the event in that snapshot (`snapshot.can`). */
  accepted: boolean;
  /** The state after the step, as valueString gives it. */
  state: string;
  /** The transition definitions the event selected (empty when refused). */
  transitions: AnyTransitionDefinition[];
}

/** One fact through the machine: pure, nothing executed. */
export function step(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: MachineEvent): Step {
  const accepted = snapshot.can(event);
  const transitions = accepted ? machine.getTransitionData(snapshot, event) : [];
  const [next] = transition(machine, snapshot, event);
  return { snapshot: next, accepted, state: valueString(next.value), transitions };
}

/** A snapshot in a given (recorded) state with a given context, or null if the machine has no such state. */
export function snapshotAt(machine: AnyStateMachine, state: string, context: unknown): AnyMachineSnapshot | null {
  try {
    return machine.resolveState({ value: parseValue(state), context });
  } catch {
    return null;
  }
}

/**
 * A machine's statechart as plain data, read from its state nodes (generic over any machine):
 * states with their hierarchy, and every transition with its event, guard and actions by name.
 * The SVG, Mermaid and Studio renderings are all made from this.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

export interface ChartState {
  /** The state node id, e.g. `conversation.order-checked`. */
  id: string;
  key: string;
  /** Path from the root, e.g. `order-checked` (`a.b` when nested); '' for the root. */
  path: string;
  parentId: string | null;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The initial child's id (compound states). */
  initialId: string | null;
  childIds: string[];
}

export interface ChartTransition {
  /** Stable within one machine: `t0`, `t1` … in document order. */
  id: string;
  sourceId: string;
  /** Empty for a targetless transition (actions only; the state is kept). */
  targetIds: string[];
  /** The event type as the machine knows it (`always` for eventless, `after <delay>` for delayed). */
  event: string;
  guard: string | null;
  actions: string[];
  reenter: boolean;
}

export interface ChartModel {
  machineId: string;
  rootId: string;
  states: ChartState[];
  transitions: ChartTransition[];
  /** The chart transition of a transition definition (as `machine.getTransitionData` returns them). */
  idOf(definition: AnyTransitionDefinition): string | undefined;
  state(id: string): ChartState | undefined;
  /** The state at a path (`order-checked`, `a.b`). */
  stateAtPath(path: string): ChartState | undefined;
}

const DELAYED = /^xstate\.after\.([^.]+)\./;

/** A guard by name; higher-order guards (and/or/not) with their operands. */
export function guardLabel(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const operands: unknown = (guard as { guards?: unknown }).guards;
    if (Array.isArray(operands)) return `${guard.name}(${operands.map((g) => guardLabel(g) ?? '?').join(', ')})`;
    return guard.name || 'inline guard';
  }
  if (typeof guard === 'object' && 'type' in guard) return String(guard.type);
  return 'guard';
}

/** An action by name (inline functions by their function name). */
export function actionLabel(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'function') return action.name || 'inline action';
  if (action !== null && typeof action === 'object' && 'type' in action) return String(action.type);
  return 'action';
}

function eventLabel(eventType: string): string {
  if (eventType === '') return 'always';
  const delayed = DELAYED.exec(eventType);
  return delayed ? `after ${delayed[1]}` : eventType;
}

/** Reads the chart of a machine. */
export function chartModel(machine: AnyStateMachine): ChartModel {
  const states: ChartState[] = [];
  const transitions: ChartTransition[] = [];
  const ids = new Map<AnyTransitionDefinition, string>();

  const addTransition = (node: AnyStateNode, t: AnyTransitionDefinition, event: string) => {
    const id = `t${transitions.length}`;
    ids.set(t, id);
    transitions.push({
      id,
      sourceId: node.id,
      targetIds: (t.target ?? []).map((target: AnyStateNode) => target.id),
      event,
      guard: guardLabel(t.guard),
      actions: t.actions.map(actionLabel),
      reenter: t.reenter,
    });
  };

  const visit = (node: AnyStateNode) => {
    const children: AnyStateNode[] = Object.values(node.states);
    const initialTarget: AnyStateNode | undefined = node.type === 'compound' ? node.initial.target[0] : undefined;
    states.push({
      id: node.id,
      key: node.key,
      path: node.path.join('.'),
      parentId: node.parent?.id ?? null,
      type: node.type,
      initialId: initialTarget?.id ?? null,
      childIds: children.map((c) => c.id),
    });
    for (const [eventType, list] of node.transitions)
      for (const t of list) addTransition(node, t, eventLabel(eventType));
    for (const t of node.always ?? []) addTransition(node, t, 'always');
    for (const child of children) visit(child);
  };
  visit(machine.root);

  const byId = new Map(states.map((s) => [s.id, s]));
  const byPath = new Map(states.map((s) => [s.path, s]));
  return {
    machineId: machine.id,
    rootId: machine.root.id,
    states,
    transitions,
    idOf: (definition) => ids.get(definition),
    state: (id) => byId.get(id),
    stateAtPath: (path) => byPath.get(path),
  };
}

/**
 * The statechart as text, from the chart model: Mermaid `stateDiagram-v2`, and `createMachine`
 * code for Stately Studio's "import from code" (guards and actions by name, a literal context).
 */
import type { AnyStateMachine } from 'xstate';
import { chartModel, type ChartModel, type ChartState, type ChartTransition } from './chart-model.js';
import { initialSnapshot } from './fold.js';

/** Mermaid ids are words: `order-checked` becomes `order_checked`, named back with `state "…" as`. */
function mermaidIds(model: ChartModel): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const s of model.states) {
    const base = (s.path || s.key).replace(/[^A-Za-z0-9_]/g, '_') || 'root';
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
    used.add(id);
    ids.set(s.id, id);
  }
  return ids;
}

const mermaidLabel = (t: ChartTransition) =>
  [t.event, t.guard ? `[${t.guard}]` : '', t.actions.length ? `/ ${t.actions.join(', ')}` : '']
    .filter(Boolean)
    .join(' ')
    .replace(/[;:]/g, ',');

/** The machine as a Mermaid `stateDiagram-v2`; transitions of the root come from an "any state" box. */
export function toMermaid(machine: AnyStateMachine, model: ChartModel = chartModel(machine)): string {
  const ids = mermaidIds(model);
  const any = 'any_state';
  const lines = ['stateDiagram-v2'];
  const declare = (parent: ChartState, indent: string) => {
    if (parent.initialId) lines.push(`${indent}[*] --> ${ids.get(parent.initialId)}`);
    for (const childId of parent.childIds) {
      const child = model.state(childId);
      if (!child) continue;
      const id = ids.get(child.id)!;
      if (child.childIds.length > 0) {
        lines.push(`${indent}state "${child.key}" as ${id} {`);
        declare(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else lines.push(`${indent}state "${child.key}" as ${id}`);
      if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
    }
  };
  const root = model.state(model.rootId);
  if (root) declare(root, '  ');
  if (model.transitions.some((t) => t.sourceId === model.rootId)) lines.push(`  state "any state" as ${any}`);
  for (const t of model.transitions) {
    const from = t.sourceId === model.rootId ? any : ids.get(t.sourceId)!;
    const targets = t.targetIds.length > 0 ? t.targetIds.map((id) => ids.get(id)!) : [from];
    for (const to of targets) lines.push(`  ${from} --> ${to} : ${mermaidLabel(t)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A code fragment printed as is inside generated object literals. */
class Code {
  constructor(readonly text: string) {}
}

function literal(value: unknown, indent = ''): string {
  if (value instanceof Code) return value.text;
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) return `[${value.map((v) => literal(v)).join(', ')}]`;
    const inner = value.map((v) => `${indent}  ${literal(v, `${indent}  `)}`);
    return `[\n${inner.join(',\n')},\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
    const inner = entries.map(([k, v]) => `${indent}  ${key(k)}: ${literal(v, `${indent}  `)}`);
    return `{\n${inner.join(',\n')},\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** A transition's target as Studio reads it: a sibling by key, a child as `.key`, else `#id`. */
function targetRef(model: ChartModel, source: ChartState, targetId: string): string {
  const target = model.state(targetId);
  if (!target) return `#${targetId}`;
  if (target.parentId !== null && target.parentId === source.parentId) return target.key;
  if (target.parentId === source.id) return `.${target.key}`;
  return `#${target.id}`;
}

/** Guards as Studio code: names, and higher-order guards (`and([…])`) as calls. */
function guardCode(label: string | null, helpers: Set<string>): unknown {
  if (label === null) return undefined;
  const call = /^(and|or|not)\((.*)\)$/.exec(label);
  // nested combinators are kept as their label: Studio then shows them by that name
  if (!call || call[2]!.includes('(')) return label;
  helpers.add(call[1]!);
  const operands = call[2]!.split(',').map((s) => JSON.stringify(s.trim()));
  return new Code(call[1] === 'not' ? `not(${operands[0]})` : `${call[1]}([${operands.join(', ')}])`);
}

function stateConfig(model: ChartModel, state: ChartState, helpers: Set<string>): Record<string, unknown> {
  const on: Record<string, unknown[]> = {};
  const always: unknown[] = [];
  for (const t of model.transitions.filter((x) => x.sourceId === state.id)) {
    const config = {
      target:
        t.targetIds.length === 0
          ? undefined
          : t.targetIds.length === 1
            ? targetRef(model, state, t.targetIds[0]!)
            : t.targetIds.map((id) => targetRef(model, state, id)),
      guard: guardCode(t.guard, helpers),
      actions: t.actions.length > 0 ? t.actions : undefined,
      reenter: t.reenter || undefined,
    };
    if (t.event === 'always') always.push(config);
    else (on[t.event] ??= []).push(config);
  }
  const children = state.childIds.map((id) => model.state(id)).filter((s): s is ChartState => s !== undefined);
  return {
    type: state.type === 'parallel' || state.type === 'final' ? state.type : undefined,
    initial: state.initialId ? model.state(state.initialId)?.key : undefined,
    on:
      Object.keys(on).length > 0
        ? Object.fromEntries(Object.entries(on).map(([e, list]) => [e, list.length === 1 ? list[0] : list]))
        : undefined,
    always: always.length > 0 ? always : undefined,
    states:
      children.length > 0
        ? Object.fromEntries(children.map((c) => [c.key, stateConfig(model, c, helpers)]))
        : undefined,
  };
}

/**
 * `createMachine({...})` code for Stately Studio's "import from code". The context is the literal
 * initial context for `sampleInput` (pass placeholders, never real limits: the code is public).
 */
export function toStudioCode(
  machine: AnyStateMachine,
  sampleInput: Record<string, unknown> = {},
  model: ChartModel = chartModel(machine),
): string {
  const root = model.state(model.rootId);
  if (!root) throw new Error('machine has no root state node');
  let context: unknown = {};
  try {
    context = initialSnapshot(machine, sampleInput).context;
  } catch {
    // a context factory that needs more input than the sample: keep an empty literal
  }
  const helpers = new Set<string>();
  const config = {
    id: machine.id,
    context: JSON.parse(JSON.stringify(context ?? {}, (_k, v: unknown) => (v === undefined ? null : v))),
    ...stateConfig(model, root, helpers),
  };
  const body = literal(config);
  const imports = ['createMachine', ...[...helpers].sort()].join(', ');
  return `import { ${imports} } from "xstate";\n\nexport const machine = createMachine(${body});\n`;
}

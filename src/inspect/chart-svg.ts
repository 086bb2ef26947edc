/**
 * The statechart as SVG, drawn on the server: the chart model as Graphviz DOT, laid out by
 * @viz-js/viz (Graphviz compiled to WebAssembly: no browser, no CDN, no internet). With a trace,
 * the current state is filled (`class="state current"`), visited states are tinted
 * (`visited`) and taken transitions are bold (`class="transition taken"`).
 */
import { instance, type Viz } from '@viz-js/viz';
import type { AnyStateMachine } from 'xstate';
import { chartModel, type ChartModel, type ChartState, type ChartTransition } from './chart-model.js';
import type { ChartTrace } from './chart-trace.js';

const FONT = 'Helvetica,Arial,sans-serif';
export const COLORS = {
  current: '#1d4ed8',
  visited: '#dbeafe',
  taken: '#1d4ed8',
  line: '#64748b',
  text: '#1e293b',
} as const;

let viz: Promise<Viz> | null = null;
const getViz = () => (viz ??= instance());

/** A DOT string literal (double-quoted, escaped); `\n` between lines. */
const q = (...lines: string[]) => `"${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;
const attrs = (a: Record<string, string | number | undefined>) =>
  `[${Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v : v!.startsWith('"') ? v : q(v!)}`)
    .join(', ')}]`;

const anyNode = (rootId: string) => `__any:${rootId}`;
const anchor = (id: string) => `__anchor:${id}`;
const startNode = (id: string) => `__start:${id}`;
const isCluster = (s: ChartState) => s.type === 'compound' || s.type === 'parallel';

function stateNode(s: ChartState, trace: ChartTrace | undefined): string {
  const current = trace?.current.has(s.id) ?? false;
  const visited = !current && (trace?.visited.has(s.id) ?? false);
  const classes = ['state', s.type, current ? 'current' : visited ? 'visited' : ''].filter(Boolean).join(' ');
  return `${q(s.id)} ${attrs({
    id: `state:${s.id}`,
    class: classes,
    label: s.key,
    tooltip: s.id,
    fillcolor: current ? COLORS.current : visited ? COLORS.visited : '#ffffff',
    fontcolor: current ? '#ffffff' : COLORS.text,
    penwidth: current ? 2.5 : 1.2,
    peripheries: s.type === 'final' ? 2 : undefined,
  })};`;
}

function transitionLine(t: ChartTransition, count: number, actions: boolean): string {
  const parts = [t.event];
  if (t.guard) parts.push(`[${t.guard}]`);
  if (actions && t.actions.length > 0) parts.push(`/ ${t.actions.join(', ')}`);
  if (count > 0) parts.push(count > 1 ? `✓×${count}` : '✓');
  return parts.join(' ');
}

interface Ends {
  tail: string;
  head: string;
  ltail?: string;
  lhead?: string;
  targetless: boolean;
}

/** Where a transition's arrows go (one per target): states, or the anchors of compound states. */
function ends(model: ChartModel, t: ChartTransition): Ends[] {
  const source = model.state(t.sourceId);
  const fromRoot = t.sourceId === model.rootId;
  const clusterSource = !fromRoot && source !== undefined && isCluster(source);
  const tail = fromRoot ? anyNode(model.rootId) : clusterSource ? anchor(t.sourceId) : t.sourceId;
  const ltail = clusterSource ? `cluster:${t.sourceId}` : undefined;
  if (t.targetIds.length === 0) return [{ tail, head: tail, ltail, targetless: true }];
  return t.targetIds.map((targetId) => {
    const target = model.state(targetId);
    const clusterTarget = target !== undefined && isCluster(target);
    return {
      tail,
      head: clusterTarget ? anchor(targetId) : targetId,
      ltail,
      lhead: clusterTarget ? `cluster:${targetId}` : undefined,
      targetless: false,
    };
  });
}

/** One arrow per pair of states, labelled with every transition between them (one line each). */
function edges(model: ChartModel, trace: ChartTrace | undefined, actions: boolean): string[] {
  const groups = new Map<string, { ends: Ends; transitions: ChartTransition[] }>();
  for (const t of model.transitions)
    for (const e of ends(model, t)) {
      const key = JSON.stringify([e.tail, e.head]);
      const group = groups.get(key) ?? { ends: e, transitions: [] };
      group.transitions.push(t);
      group.ends.targetless &&= e.targetless;
      groups.set(key, group);
    }
  return [...groups.values()].map(({ ends: e, transitions }) => {
    const counts = transitions.map((t) => trace?.taken.get(t.id) ?? 0);
    const taken = counts.some((n) => n > 0);
    return `${q(e.tail)} -> ${q(e.head)} ${attrs({
      id: `transition:${transitions.map((t) => t.id).join('+')}`,
      class: ['transition', ...transitions.map((t) => t.id), e.targetless ? 'targetless' : '', taken ? 'taken' : '']
        .filter(Boolean)
        .join(' '),
      label: q(...transitions.map((t, i) => transitionLine(t, counts[i] ?? 0, actions))),
      style: e.targetless ? 'dashed' : undefined,
      color: taken ? COLORS.taken : undefined,
      fontcolor: taken ? COLORS.taken : undefined,
      penwidth: taken ? 2.5 : undefined,
      ltail: e.ltail,
      lhead: e.lhead,
    })};`;
  });
}

/** The states below `parentId`, clusters for compound and parallel ones, with their initial arrows. */
function body(model: ChartModel, parent: ChartState, trace: ChartTrace | undefined, indent: string): string[] {
  const out: string[] = [];
  for (const childId of parent.childIds) {
    const child = model.state(childId);
    if (!child) continue;
    if (!isCluster(child)) {
      out.push(indent + stateNode(child, trace));
      continue;
    }
    const active = trace?.visited.has(child.id) ?? false;
    out.push(`${indent}subgraph ${q(`cluster:${child.id}`)} {`);
    out.push(`${indent}  id=${q(`state:${child.id}`)}; class=${q(`state ${child.type}${active ? ' visited' : ''}`)};`);
    out.push(`${indent}  label=${q(child.key)}; style=${q(child.type === 'parallel' ? 'dashed,rounded' : 'rounded')};`);
    out.push(`${indent}  ${q(anchor(child.id))} [shape=point, style=invis, width=0, height=0, label=""];`);
    out.push(...body(model, child, trace, `${indent}  `));
    out.push(`${indent}}`);
  }
  if (parent.initialId) {
    out.push(
      `${indent}${q(startNode(parent.id))} [shape=point, width=0.14, color=${q(COLORS.text)}, class="initial"];`,
    );
    const initial = model.state(parent.initialId);
    const head = initial && isCluster(initial) ? anchor(initial.id) : parent.initialId;
    out.push(`${indent}${q(startNode(parent.id))} -> ${q(head)} [class="initial"];`);
  }
  return out;
}

export interface DotOptions {
  /** Show each transition's actions too (default: events and guards only, to stay readable). */
  actions?: boolean;
}

/** The chart as Graphviz DOT. */
export function toDot(model: ChartModel, trace?: ChartTrace, options: DotOptions = {}): string {
  const root = model.state(model.rootId);
  if (!root) throw new Error('machine has no root state node');
  const title = trace ? `${model.machineId}   (filled: current · tinted: visited · bold: taken)` : model.machineId;
  const lines = [
    'digraph statechart {',
    `  graph [rankdir=TB, compound=true, fontname=${q(FONT)}, fontsize=14, labelloc=t, label=${q(title)}];`,
    '  graph [nodesep=0.35, ranksep=0.55];',
    `  node [shape=box, style="rounded,filled", color=${q(COLORS.text)}, fontname=${q(FONT)}, fontsize=12];`,
    '  node [margin="0.25,0.08"];',
    `  edge [fontname=${q(FONT)}, fontsize=9, color=${q(COLORS.line)}, fontcolor=${q(COLORS.text)}, arrowsize=0.7];`,
    ...body(model, root, trace, '  '),
  ];
  if (model.transitions.some((t) => t.sourceId === model.rootId)) {
    lines.push(
      `  ${q(anyNode(model.rootId))} [id="state:any", class="any", label="any state", style="dashed,rounded"];`,
    );
  }
  lines.push(...edges(model, trace, options.actions ?? false).map((e) => `  ${e}`));
  lines.push('}');
  return lines.join('\n');
}

/** Renders DOT to SVG; comments dropped and `&#45;` written as `-` so names read as they are. */
export async function renderSvg(dot: string): Promise<string> {
  const svg = (await getViz()).renderString(dot, { format: 'svg' });
  return svg.replace(/<!--[\s\S]*?-->\n?/g, '').replace(/&#45;/g, '-');
}

/** The machine's statechart as SVG, with a conversation's trace when given. */
export async function statechartSvg(
  machine: AnyStateMachine,
  trace?: ChartTrace,
  options: DotOptions = {},
): Promise<string> {
  return renderSvg(toDot(chartModel(machine), trace, options));
}

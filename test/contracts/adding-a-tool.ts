/**
 * What the compiler says when a part of a new tool, effect or rule is left out (README: "Adding a
 * tool"). This file is only type-checked (`npm run typecheck`): every `@ts-expect-error` below must
 * meet an error, so if a part ever became optional again, typecheck would fail here.
 */
import { z } from 'zod';
import type { EffectRegistry } from '../../src/effects/types.js';
import { defaultEffects } from '../../src/effects/catalog.js';
import { proposalRules } from '../../src/machines/conversation.rules.js';
import { defineTool, type DecisionTool, type ReadTool } from '../../src/tools/types.js';

const input = z.object({ order_id: z.string() });
const read: ReadTool<{ order_id: string }> = {
  name: 'fixture_read',
  kind: 'read',
  description: 'A read tool made for this check.',
  sources: ['chat'],
  input,
  toEvent: (i) => ({ type: 'propose.lookup_order', orderId: i.order_id }),
  probe: () => [],
  visible: (r) => r,
  judge: null,
  run: async (i) => ({ fact: { type: 'order.not_found', orderId: i.order_id }, result: {}, progressed: false }),
};
defineTool(read); // complete: compiles

const { probe: _probe, ...withoutProbe } = read;
// @ts-expect-error a tool must say which events stand for it (what "allowed now" is derived from)
defineTool(withoutProbe);

const { visible: _visible, ...withoutVisible } = read;
// @ts-expect-error a tool must say what of its result a customer may see (I7)
defineTool(withoutVisible);

const { run: _run, ...withoutRun } = read;
// @ts-expect-error a read must say how it runs
defineTool(withoutRun);

const { toEvent: _toEvent, ...withoutEvent } = read;
// @ts-expect-error a tool must say which machine event it proposes
defineTool(withoutEvent);

const { sources: _sources, ...withoutSources } = read;
// @ts-expect-error a tool must say who may use it (chat, mcp)
defineTool(withoutSources);

const decision: DecisionTool<{ order_id: string }> = {
  ...read,
  kind: 'decision',
  refresh: null,
  describe: () => ({ forModel: {}, forCustomer: {}, isError: false, progressed: false }),
};
defineTool(decision);

const { refresh: _refresh, ...withoutRefresh } = decision;
// @ts-expect-error a decision must say which facts it re-reads first (null when none)
defineTool(withoutRefresh);

const { describe: _describe, ...withoutDescribe } = decision;
// @ts-expect-error a decision must say what happened (for the model and for the customer)
defineTool(withoutDescribe);

// the refusal table is exhaustive: a proposal type without its rule does not compile
const { 'propose.lookup_order': _lookup, ...rulesWithoutOne } = proposalRules;
// @ts-expect-error every proposal type has exactly one refusal rule
const rules: typeof proposalRules = rulesWithoutOne;

// the effect registry is exhaustive: an effect kind the machine emits without a module does not compile
const { ticket: _ticket, ...effectsWithoutOne } = defaultEffects();
// @ts-expect-error every effect kind has a module
const effects: EffectRegistry = effectsWithoutOne;

export const checked = [rules, effects];

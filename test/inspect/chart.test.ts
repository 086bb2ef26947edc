import { describe, expect, it } from 'vitest';
import { and, createMachine, not, or, type AnyStateMachine } from 'xstate';
import { conversationMachine } from '../../src/machines/conversation.machine.js';
import { chartModel } from '../../src/inspect/chart-model.js';
import { statechartSvg } from '../../src/inspect/chart-svg.js';
import { toMermaid, toStudioCode } from '../../src/inspect/chart-text.js';
import { traceLog } from '../../src/inspect/chart-trace.js';
import type { ConversationLog } from '../../src/inspect/types.js';

const machine: AnyStateMachine = conversationMachine;
const model = chartModel(machine);
const stateKeys = model.states.filter((s) => s.id !== model.rootId).map((s) => s.key);
const eventNames = [...new Set(model.transitions.map((t) => t.event))];
const guardNames = [...new Set(model.transitions.flatMap((t) => (t.guard ? [t.guard] : [])))];

/** The `<g>` of a state in the SVG, by the id the chart gives it. */
const stateGroup = (svg: string, key: string) =>
  new RegExp(`<g id="state:[^"]*\\.${key}" class="([^"]*)"`).exec(svg)?.[1];

/** A short SEED 1 path, hand-written: verified, refunded, resolved. */
const refundLog: ConversationLog = {
  conversationId: 'conv_chart',
  input: { conversationId: 'conv_chart', refundLimitCents: 10_000, confirmRefunds: false },
  storedState: 'resolved',
  facts: [
    { event: { type: 'customer.wrote', emails: ['a@b.example'], codes: [] }, from: 'unverified', to: 'unverified' },
    {
      event: { type: 'propose.get_customer', email: 'a@b.example', via: 'chat' },
      from: 'unverified',
      to: 'unverified',
    },
    {
      event: {
        type: 'customer.found',
        customer: { customerId: 'U1', name: 'A B', email: 'a@b.example', status: 'active' },
        via: 'chat',
      },
      from: 'unverified',
      to: 'verified',
    },
    { event: { type: 'propose.lookup_order', orderId: 'ORD-1' }, from: 'verified', to: 'verified' },
    {
      event: {
        type: 'order.checked',
        facts: {
          ...{ orderId: 'ORD-1', owned: true, eligible: true, ineligibleCode: null, refundableCents: 5000 },
          ...{ needsApproval: false, refunded: false, refundId: null },
        },
      },
      from: 'verified',
      to: 'refund-eligible',
    },
    {
      event: {
        type: 'propose.process_refund',
        orderId: 'ORD-1',
        reason: 'damaged',
        amountCents: null,
        terms: { offerId: 'offer_1', digest: 'd', amountCents: 5000, destination: 'original_payment_method' },
        at: '2026-11-26T12:00:00.000Z',
      },
      from: 'refund-eligible',
      to: 'refund-pending',
    },
    { event: { type: 'refund.succeeded', orderId: 'ORD-1', refundId: 'RF-1' }, from: 'refund-pending', to: 'resolved' },
  ].map((f, i) => ({ ...f, seq: i + 1, at: '2026-11-26T12:00:00.000Z' })),
};

describe('the statechart', () => {
  it('as SVG names every state, every event and every guard of the machine', async () => {
    expect(stateKeys.length).toBeGreaterThanOrEqual(8);
    const svg = await statechartSvg(machine);
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    for (const key of stateKeys) expect(svg).toContain(`>${key}</text>`);
    for (const event of eventNames) expect(svg).toContain(event);
    for (const guard of guardNames) expect(svg).toContain(guard.replace(/[<>&]/g, ''));
    // every guard is a single named guard now (no and([...]) losing its operands)
    expect(svg).toContain('isPendingRefundStillUnknown');
    expect(svg).not.toContain('and(');
  });

  it('marks the current state, the visited ones and the transitions taken', async () => {
    const trace = traceLog(machine, model, refundLog);
    const svg = await statechartSvg(machine, trace);
    expect(stateGroup(svg, 'resolved')).toContain('current');
    expect(svg).toMatch(/<g id="state:[^"]*\.resolved" class="[^"]*"[^]*?<path fill="#1d4ed8"/);
    for (const key of ['unverified', 'verified', 'refund-eligible', 'refund-pending'])
      expect(stateGroup(svg, key)).toContain('visited');
    for (const key of ['order-checked', 'escalated', 'refund-reconciling'])
      expect(stateGroup(svg, key)).not.toMatch(/visited|current/);
    const taken = [...svg.matchAll(/<g id="transition:[^"]*" class="([^"]*\btaken\b[^"]*)"/g)];
    // customer.found, order.checked, process_refund, refund.succeeded, and the self-loops / root ones
    expect(taken.length).toBeGreaterThanOrEqual(4);
    expect(trace.taken.size).toBe(7);
  });

  it('as Mermaid is a stateDiagram-v2 with every state and event', () => {
    const mermaid = toMermaid(machine);
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    for (const key of stateKeys) expect(mermaid).toContain(`"${key}"`);
    for (const event of eventNames) expect(mermaid).toContain(event);
  });

  it('as Studio code builds the same machine (states, events, guards by name) with a literal context', () => {
    const code = toStudioCode(machine, { conversationId: 'conv_example', refundLimitCents: 0 });
    expect(code).toMatch(/^import \{ createMachine[^}]*\} from "xstate";/);
    expect(code).toContain('conversationId: "conv_example"');
    const body = code.replace(/^import .*$/m, '').replace('export const machine =', 'return');
    const rebuilt = new Function('createMachine', 'and', 'or', 'not', body)(
      createMachine,
      and,
      or,
      not,
    ) as AnyStateMachine;
    const again = chartModel(rebuilt);
    expect(again.states.map((s) => s.path)).toEqual(model.states.map((s) => s.path));
    const shape = (m: typeof model) => m.transitions.map((t) => [t.sourceId, t.event, t.targetIds, t.guard, t.actions]);
    expect(shape(again)).toEqual(shape(model));
    expect(rebuilt.config.context).toMatchObject({ conversationId: 'conv_example', customer: null, orders: {} });
  });
});

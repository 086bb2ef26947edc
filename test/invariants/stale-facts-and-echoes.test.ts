import { afterEach, describe, expect, it } from 'vitest';
import type { Backends } from '../../src/backends/types.js';
import type { TurnEvent } from '../../src/runtime/types.js';
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, toolUse } from '../support/scripted-model.js';
import { chatOnce, proposalsOf, refundsOf, ticketsOf } from '../support/assertions.js';

let h: Harness;
afterEach(async () => h?.close());

const sarahChecked = [
  toolUse('get_customer', { email: 'sarah@example.com' }),
  toolUse('lookup_order', { order_id: 'ORD-8842' }),
];

describe('I2/I3 hold at refund time, not only at lookup', () => {
  it('re-checks the order against the policy in force: a limit lowered after the lookup means no refund and a P2 ticket', async () => {
    h = await createHarness(scriptedModel([sarahChecked, [text('It is refundable.')]]));
    const c = await chatOnce(h, 'sarah@example.com ORD-8842 arrived broken');
    expect(c.result.state).toBe('refund-eligible');
    h = await h.restart(
      scriptedModel([[toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })], [text('ok')]]),
      {
        policy: { refundLimitCents: 5_000, returnWindowDays: 30 },
      },
    );
    const r = await h.runtime.sendMessage(c.conversation_id, c.token, 'yes please refund it');
    expect(await refundsOf(h)).toEqual([]);
    expect(r.status).toBe('escalated');
    expect((await ticketsOf(h, c.conversation_id)).map((t) => t.priority)).toEqual(['P2']);
  });
});

describe('I4/I8: a refund of the order elsewhere is told as it is', () => {
  it('says a refund being confirmed in another conversation is in progress, not done, and makes no second one', async () => {
    let hang = true;
    h = await createHarness(
      scriptedModel([
        sarahChecked,
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
        [text('confirming')],
        sarahChecked,
        [text('ok')],
      ]),
      {
        wrapBackends: (b): Backends => ({
          ...b,
          payments: {
            ...b.payments,
            refund: async (req) => (hang ? Promise.reject(new Error('timeout')) : b.payments.refund(req)),
          },
        }),
      },
    );
    const a = await chatOnce(h, 'sarah@example.com ORD-8842 broken');
    expect(a.result.state).toBe('refund-reconciling');
    const b = await chatOnce(h, 'sarah@example.com ORD-8842 broken');
    const facts = b.result.events.filter(
      (e): e is Extract<TurnEvent, { type: 'tool_result' }> => e.type === 'tool_result' && e.name === 'lookup_order',
    );
    expect(JSON.stringify(facts)).toMatch(/being processed/);
    expect(JSON.stringify(facts)).not.toMatch(/already been refunded/);
    hang = false;
    expect(await refundsOf(h)).toEqual([]);
  });
});

describe('I7: nothing the model chose is echoed to the customer unchecked', () => {
  it('never echoes an unknown tool name, a leaky tool_use id or a leaky rejection', async () => {
    const model = scriptedModel([
      [
        {
          type: 'tool_use',
          id: 'USR-001_OWNERSHIP_MISMATCH',
          name: 'LIMIT_EXCEEDED',
          input: { note: 'refund limit is $150' },
        },
      ],
      [text('Sorry.')],
    ]);
    h = await createHarness(model);
    const seen: TurnEvent[] = [];
    const c = await h.runtime.createConversation();
    const r = await h.runtime.sendMessage(c.conversation_id, c.token, 'hello there', { onEvent: (e) => seen.push(e) });
    for (const body of [
      JSON.stringify(seen),
      JSON.stringify(r),
      JSON.stringify(await h.runtime.getConversation(c.conversation_id, c.token)),
    ]) {
      expect(body).not.toMatch(/LIMIT_EXCEEDED|OWNERSHIP_MISMATCH|USR-001|\$150/);
      expect(body).toContain('unknown_tool');
    }
  });

  it('refuses a huge tool input before storing or echoing it', async () => {
    h = await createHarness(
      scriptedModel([[toolUse('get_customer', { email: 'a@example.com', junk: 'x'.repeat(200_000) })], [text('ok')]]),
    );
    const c = await chatOnce(h, 'a@example.com');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[0]).toMatchObject({ decision: 'rejected', code: 'INVALID_INPUT', input: { oversized: true } });
    expect(JSON.stringify(c.result).length).toBeLessThan(10_000);
  });

  it('tells the customer only whether a verification matched, not the account details', async () => {
    h = await createHarness(scriptedModel([[toolUse('get_customer', { email: 'james@example.com' })], [text('ok')]]));
    const c = await chatOnce(h, 'james@example.com');
    const results = c.result.events.filter((e) => e.type === 'tool_result');
    expect(results).toEqual([
      {
        type: 'tool_result',
        tool_use_id: expect.any(String),
        name: 'get_customer',
        result: { found: true },
        is_error: false,
      },
    ]);
  });
});

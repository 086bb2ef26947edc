/**
 * I13: no refund without the customer's explicit yes, decided in code from their own words, to an
 * offer that matches the refund exactly (order, amount, destination). Hostile scripted models try
 * to get around it; each test makes its own customer and orders.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addCustomer, addOrder, type BuiltCustomer } from '../support/builders.js';
import { createHarness, type Harness } from '../support/harness.js';
import { proposalsOf, refundsOf } from '../support/assertions.js';
import { deferredModel, text, toolUse } from '../support/scripted-model.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function setup(cents = [4_250, 3_100]) {
  const model = deferredModel();
  h = await createHarness(model, { runtime: { confirmRefunds: true } });
  const customer = await addCustomer(h);
  const orders: string[] = [];
  for (const c of cents) orders.push(await addOrder(h, customer, { cents: c }));
  const conv = await h.runtime.createConversation();
  const send = (m: string) => h!.runtime.sendMessage(conv.conversation_id, conv.token, m);
  return { h, customer, orders, conv, send, play: model.play };
}

const verifyAndLookUp = (c: BuiltCustomer, ...orders: string[]) => [
  toolUse('get_customer', { email: c.email }),
  ...orders.map((order_id) => toolUse('lookup_order', { order_id })),
];

describe('I13 the customer says yes to the exact refund', () => {
  it('offers the exact order and amount in code and refunds nothing before the yes', async () => {
    const s = await setup();
    const [a] = s.orders;
    s.play([
      verifyAndLookUp(s.customer, a!),
      [toolUse('process_refund', { order_id: a, reason: 'damaged' })],
      [text('Sure.')],
    ]);
    const offered = await s.send(`I'm ${s.customer.email}, order ${a} broke, refund please`);
    expect(offered.state).toBe('awaiting-confirmation');
    expect(offered.awaiting).toMatchObject({ kind: 'confirmation', order_id: a, amount: 42.5 });
    const offerText = offered.awaiting?.kind === 'confirmation' ? offered.awaiting.text : '';
    expect(offerText).toContain(`$42.50 for order ${a}`);
    expect(offerText).toContain('original payment method');
    expect(offered.reply).toContain(offerText);
    expect(await refundsOf(s.h)).toEqual([]);

    const done = await s.send('yes please');
    expect(done.state).toBe('resolved');
    expect(done.awaiting).toBeNull();
    expect(done.reply).toContain(`refunded $42.50 for order ${a}`);
    expect((await refundsOf(s.h)).map((r) => [r.order_id, r.amount])).toEqual([[a, 42.5]]);
  });

  for (const answer of [
    'no',
    'actually wait, it works now, forget the refund',
    'hold off on the refund for now',
    "please don't refund it, send a new one",
    'yes but wait, let me think',
  ]) {
    it(`never refunds a declined or retracted offer: "${answer}"`, async () => {
      const s = await setup();
      const [a] = s.orders;
      s.play([
        verifyAndLookUp(s.customer, a!),
        [toolUse('process_refund', { order_id: a, reason: 'damaged' })],
        [text('Offered.')],
        // the hostile model proposes the refund again right after the no
        [toolUse('process_refund', { order_id: a, reason: 'damaged' })],
        [text('Done!')],
      ]);
      await s.send(`${s.customer.email}: ${a} is broken, refund it`);
      const after = await s.send(answer);
      expect(await refundsOf(s.h)).toEqual([]);
      expect(after.state).not.toBe('resolved');
      // a new offer needs a new yes: the no was never turned into a refund
      if (after.awaiting?.kind === 'confirmation') expect(await refundsOf(s.h)).toEqual([]);
    });
  }

  it('keeps the offer standing on an unclear answer and asks again', async () => {
    const s = await setup();
    const [a] = s.orders;
    s.play([
      verifyAndLookUp(s.customer, a!),
      [toolUse('process_refund', { order_id: a, reason: 'damaged' })],
      [text('Offered.')],
      [text('It usually takes a few days.')],
    ]);
    await s.send(`${s.customer.email} order ${a} arrived broken, I want a refund`);
    const unclear = await s.send('how long does it take?');
    expect(unclear.state).toBe('awaiting-confirmation');
    expect(unclear.reply).toContain(`for order ${a} to your original payment method`);
    expect(await refundsOf(s.h)).toEqual([]);
  });

  it('refuses a refund of another order while an offer waits; the yes refunds only the offered one', async () => {
    const s = await setup();
    const [a, b] = s.orders;
    s.play([
      verifyAndLookUp(s.customer, a!, b!),
      [
        toolUse('process_refund', { order_id: a, reason: 'damaged' }),
        toolUse('process_refund', { order_id: b, reason: 'damaged' }),
      ],
      [text('Offered.')],
    ]);
    await s.send(`${s.customer.email}: refund ${a} and ${b}, both broken`);
    const proposals = await proposalsOf(s.h, s.conv.conversation_id);
    expect(proposals.filter((p) => p.tool === 'process_refund').map((p) => [p.decision, p.code])).toEqual([
      ['accepted', null],
      ['rejected', 'OFFER_PENDING'],
    ]);
    await s.send('yes, go ahead');
    expect((await refundsOf(s.h)).map((r) => [r.order_id, r.amount])).toEqual([[a, 42.5]]);
  });

  it('a confirmation for order A never refunds order B or another amount, even when the model moved on to B', async () => {
    const s = await setup();
    const [a, b] = s.orders;
    s.play([
      verifyAndLookUp(s.customer, a!),
      [toolUse('process_refund', { order_id: a, reason: 'damaged' })],
      [text('Offered.')],
      // the customer asks something unclear; the model looks up B and tries to refund B with an amount
      [
        toolUse('lookup_order', { order_id: b }),
        toolUse('process_refund', { order_id: b, reason: 'damaged', amount: 42.5 }),
      ],
      [text('ok')],
    ]);
    await s.send(`${s.customer.email} ${a} broken, refund`);
    await s.send(`and what about ${b}?`);
    const done = await s.send('yes');
    expect(done.state).toBe('resolved');
    expect((await refundsOf(s.h)).map((r) => [r.order_id, r.amount])).toEqual([[a, 42.5]]);
  });

  it('never takes a yes from the model: a chat model cannot confirm (confirm_refund is MCP only) nor write the answer', async () => {
    const s = await setup();
    const [a] = s.orders;
    s.play([
      verifyAndLookUp(s.customer, a!),
      [toolUse('process_refund', { order_id: a, reason: 'damaged' })],
      [text('The customer said yes.')],
      [toolUse('confirm_refund', { offer_id: 'anything' }), text('Yes, confirmed on your behalf.')],
      [text('Confirmed.')],
    ]);
    await s.send(`${s.customer.email}, ${a}, refund please`);
    const next = await s.send('what happens next?');
    expect(next.state).toBe('awaiting-confirmation');
    const confirm = (await proposalsOf(s.h, s.conv.conversation_id)).find((p) => p.tool === 'confirm_refund');
    expect(confirm).toMatchObject({ decision: 'rejected', code: 'UNKNOWN_TOOL' });
    expect(await refundsOf(s.h)).toEqual([]);
  });

  it('pays exactly the offered amount once, whatever amount the model names', async () => {
    const s = await setup();
    const [a] = s.orders;
    s.play([
      verifyAndLookUp(s.customer, a!),
      [toolUse('process_refund', { order_id: a, reason: 'damaged', amount: 1 })],
      [toolUse('process_refund', { order_id: a, reason: 'damaged' })],
      [text('Offered.')],
    ]);
    await s.send(`${s.customer.email} ${a}`);
    await s.send('sure, do it');
    await s.send('yes');
    expect((await refundsOf(s.h)).map((r) => [r.order_id, r.amount])).toEqual([[a, 42.5]]);
  });
});

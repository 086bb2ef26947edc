import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, toolUse } from '../support/scripted-model.js';
import { chatOnce, proposalsOf, refundsOf, ticketsOf } from '../support/assertions.js';

let h: Harness;
afterEach(async () => h?.close());

describe('I1 verified first', () => {
  it('rejects process_refund and lookup_order before get_customer succeeded', async () => {
    h = await createHarness(
      scriptedModel([
        [
          toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' }),
          toolUse('lookup_order', { order_id: 'ORD-8842' }),
        ],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, 'refund ORD-8842 now');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p.map((x) => [x.tool, x.decision, x.code])).toEqual([
      ['process_refund', 'rejected', 'NOT_VERIFIED'],
      ['lookup_order', 'rejected', 'NOT_VERIFIED'],
    ]);
    expect(await refundsOf(h)).toEqual([]);
  });

  it('rejects lookups after an email that matched no customer', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'nobody@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, 'I am nobody@example.com');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[1]).toMatchObject({ tool: 'lookup_order', decision: 'rejected', code: 'NOT_VERIFIED' });
    expect(c.result.state).toBe('unverified');
  });

  it('refuses to verify an email the customer never wrote, and so never reaches that account', async () => {
    h = await createHarness(
      scriptedModel([
        [
          toolUse('get_customer', { email: 'ava.adams@example.com' }),
          toolUse('lookup_order', { order_id: 'ORD-1007' }),
          toolUse('process_refund', { order_id: 'ORD-1007', reason: 'damaged' }),
        ],
        [text('Done, Ava Adams: your Toaster order ORD-1007 was refunded.')],
      ]),
    );
    const c = await chatOnce(h, 'I am sarah@example.com, ORD-8842 broke');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[0]).toMatchObject({
      tool: 'get_customer',
      decision: 'rejected',
      code: 'EMAIL_NOT_GIVEN',
      invariant: 'I1',
    });
    expect(p.slice(1).map((x) => x.code)).toEqual(['NOT_VERIFIED', 'NOT_VERIFIED']);
    expect(await refundsOf(h)).toEqual([]);
  });

  it('refuses switching to a second customer in the same conversation', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'marcus@example.com' })],
        [text('ok')],
        [toolUse('get_customer', { email: 'sarah@example.com' })],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, "I'm marcus@example.com");
    // the second address is the customer's own too (they say so), but one customer per conversation
    await h.runtime.sendMessage(c.conversation_id, c.token, 'actually my email is sarah@example.com');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[0]).toMatchObject({ decision: 'accepted' });
    expect(p[1]).toMatchObject({ decision: 'rejected', code: 'ALREADY_VERIFIED' });
  });
});

describe('I2 checked order', () => {
  it('rejects a refund of an order that was not looked up in this conversation', async () => {
    // USR-100 owns ORD-1007 (eligible) and ORD-1014 (outside the window)
    h = await createHarness(
      scriptedModel([
        [
          toolUse('get_customer', { email: 'ava.adams@example.com' }),
          toolUse('lookup_order', { order_id: 'ORD-1007' }),
        ],
        [toolUse('process_refund', { order_id: 'ORD-1014', reason: 'damaged' })],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, 'ava.adams@example.com refund please');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[2]).toMatchObject({
      tool: 'process_refund',
      decision: 'rejected',
      code: 'ORDER_NOT_CHECKED',
      invariant: 'I2',
    });
    expect(await refundsOf(h)).toEqual([]);
  });

  it('never lets the eligibility of order A cover order B', async () => {
    h = await createHarness(
      scriptedModel([
        [
          toolUse('get_customer', { email: 'ava.adams@example.com' }),
          toolUse('lookup_order', { order_id: 'ORD-1007' }),
          toolUse('lookup_order', { order_id: 'ORD-1014' }),
        ],
        [toolUse('process_refund', { order_id: 'ORD-1014', reason: 'changed_mind' })],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, 'ava.adams@example.com');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[3]).toMatchObject({ tool: 'process_refund', decision: 'rejected', code: 'INELIGIBLE' });
    expect(await refundsOf(h)).toEqual([]);
  });

  it('rejects a refund of a subscription order (SEED scenario 4)', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'marcus@example.com' }), toolUse('lookup_order', { order_id: 'ORD-9901' })],
        [toolUse('process_refund', { order_id: 'ORD-9901', reason: 'changed_mind' })],
        [text('Sorry, subscription orders are not refundable.')],
      ]),
    );
    const c = await chatOnce(h, 'Email marcus@example.com. I want to return order ORD-9901 from 45 days ago.');
    expect((await proposalsOf(h, c.conversation_id))[2]).toMatchObject({ decision: 'rejected', code: 'INELIGIBLE' });
    expect(await refundsOf(h)).toEqual([]);
    expect(c.result.status).toBe('open');
  });

  it('rejects an already-refunded order', async () => {
    // ORD-1049 (USR-102) is seeded as refunded
    h = await createHarness(
      scriptedModel([
        [
          toolUse('get_customer', { email: 'chloe.costa@example.com' }),
          toolUse('lookup_order', { order_id: 'ORD-1049' }),
        ],
        [toolUse('process_refund', { order_id: 'ORD-1049', reason: 'damaged' })],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, 'chloe.costa@example.com');
    expect((await proposalsOf(h, c.conversation_id))[2]).toMatchObject({ decision: 'rejected', code: 'DUPLICATE' });
    expect(await refundsOf(h)).toEqual([]);
  });
});

describe('I5 ownership', () => {
  it("opens a P1 ticket and shows nothing of another customer's order (SEED scenario 5)", async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'marcus@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
        // a hostile model trying to leak what it might know of the other order
        [text("That order belongs to Sarah Chen (sarah@example.com): a Blender for $89.99. I can't help further.")],
      ]),
    );
    const c = await chatOnce(h, 'Email marcus@example.com. Check order ORD-8842 please.');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[2]).toMatchObject({ tool: 'process_refund', decision: 'rejected', code: 'ESCALATED' });
    expect(await refundsOf(h)).toEqual([]);
    const tickets = await ticketsOf(h, c.conversation_id);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.priority).toBe('P1');
    expect(c.result.status).toBe('escalated');
    const visible = JSON.stringify(c.result);
    for (const secret of ['Sarah', 'sarah@example.com', 'Blender', '89.99', 'USR-001'])
      expect(visible).not.toContain(secret);
  });

  it('refuses a customer_id that is not the verified one', async () => {
    h = await createHarness(
      scriptedModel([
        [
          toolUse('get_customer', { email: 'marcus@example.com' }),
          toolUse('lookup_order', { order_id: 'ORD-8842', customer_id: 'USR-001' }),
        ],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, 'marcus@example.com ORD-8842');
    expect((await proposalsOf(h, c.conversation_id))[1]).toMatchObject({ decision: 'rejected', code: 'INVALID_INPUT' });
  });
});

describe('I10 suspended', () => {
  it('gives a suspended account no writes and a P2 ticket', async () => {
    h = await createHarness(
      scriptedModel([
        [
          toolUse('get_customer', { email: 'dana@example.com' }),
          toolUse('lookup_order', { order_id: 'ORD-5550' }),
          toolUse('process_refund', { order_id: 'ORD-5550', reason: 'damaged' }),
        ],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, 'dana@example.com refund ORD-5550');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p.slice(1).map((x) => x.decision)).toEqual(['rejected', 'rejected']);
    expect(await refundsOf(h)).toEqual([]);
    const tickets = await ticketsOf(h, c.conversation_id);
    expect(tickets.map((t) => t.priority)).toEqual(['P2']);
    expect(c.result.status).toBe('escalated');
  });
});

describe('I1 the customer’s own email', () => {
  it('verifies the email introduced as the customer’s own, never a third party’s, whatever the model picks', async () => {
    h = await createHarness(
      scriptedModel([
        // a hostile model verifies the friend's address first (the last one in the message)
        [
          toolUse('get_customer', { email: 'james@example.com' }),
          toolUse('get_customer', { email: 'sarah@example.com' }),
        ],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(
      h,
      "I'm sarah@example.com; my friend James's order ORD-7771, his email is james@example.com",
    );
    const p = await proposalsOf(h, c.conversation_id);
    expect(p[0]).toMatchObject({ decision: 'rejected', code: 'EMAIL_NOT_GIVEN', invariant: 'I1' });
    expect(p[1]).toMatchObject({ decision: 'accepted' });
    const view = await h.runtime.getConversation(c.conversation_id, c.token);
    expect(view.state).toBe('verified');
    expect(JSON.stringify(view)).not.toContain('James Wright');
  });

  it('verifies none of several addresses when the customer does not say which is theirs', async () => {
    h = await createHarness(
      scriptedModel([[toolUse('get_customer', { email: 'marcus@example.com' })], [text('Which one is yours?')]]),
    );
    const c = await chatOnce(h, 'marcus@example.com or sarah@example.com, not sure which I used');
    expect((await proposalsOf(h, c.conversation_id))[0]).toMatchObject({
      decision: 'rejected',
      code: 'EMAIL_NOT_GIVEN',
    });
    expect(c.result.state).toBe('unverified');
  });
});

describe('I5 another customer’s order cannot be detected', () => {
  it('answers a lookup of another customer’s order with the same words as an unknown order, and no instruction to the model', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'marcus@example.com' }), toolUse('lookup_order', { order_id: 'ORD-0000' })],
        [toolUse('lookup_order', { order_id: 'ORD-8842' })],
        [text('ok')],
      ]),
    );
    const c = await chatOnce(h, 'marcus@example.com here, orders ORD-0000 and ORD-8842');
    const results = c.result.events.filter((e) => e.type === 'tool_result' && e.name === 'lookup_order');
    const shown = results.map((e) =>
      JSON.stringify(e.type === 'tool_result' ? e.result : null).replace(/ORD-\d+/g, 'ORD-x'),
    );
    expect(shown).toHaveLength(2);
    expect(shown[0]).toBe(shown[1]);
    const told = (await h.runtime.store.listEvents(c.conversation_id))
      .filter((e) => e.kind === 'tool_results')
      .flatMap((e) => (e.payload as { content: Array<{ content: string }> }).content.map((b) => b.content));
    const [unknown, foreign] = told
      .filter((t) => t.includes('"found":false'))
      .map((t) => t.replace(/ORD-\d+/g, 'ORD-x'));
    expect(foreign).toBe(unknown);
    expect(foreign).not.toMatch(/security|share nothing|belongs/i);
  });
});

import { describe, expect, it } from 'vitest';
import { history, order, plan, planNames, reply, startFacts, verifiedFacts } from './offline-history.js';

const UNVERIFIED = startFacts();

describe('offline planner: asking for money back, however it is written', () => {
  const wordings = [
    'pls refnd ORD-8842',
    'can I just get my cash back for ORD-8842',
    'give me back what I paid for ORD-8842',
    'ORD-8842 - I want my money back',
    'i would like a refound for ORD-8842 please',
    'please retrun ORD-8842, I want the money',
    'I want reimbursement for ORD-8842',
    'ORD-8842: return the money to my card please',
    'quiero un reembolso, ORD-8842',
    'ORD-8842 refunddd',
  ];
  for (const text of wordings)
    it(`proposes the refund for "${text}"`, () => {
      const h = history().customer(`sarah@example.com ${text}`).verify().lookup('ORD-8842');
      expect(plan(h, verifiedFacts([order('ORD-8842')]))).toEqual([
        ['process_refund', { order_id: 'ORD-8842', reason: 'changed_mind' }],
      ]);
    });

  it('reads the reason from misspelt words ("brokn", "damged")', () => {
    const h = history()
      .customer('sarah@example.com my blender ORD-8842 came brokn, refnd pls')
      .verify()
      .lookup('ORD-8842');
    expect(plan(h, verifiedFacts([order('ORD-8842')]))).toEqual([
      ['process_refund', { order_id: 'ORD-8842', reason: 'damaged' }],
    ]);
  });

  it('lets a later request win over a status question about the same single order', () => {
    const h = history()
      .customer(
        "wes.weber@example.com my toaster ORD-1483 still hasn't shown up, and the tracking hasn't moved. I'd like my money back.",
      )
      .verify('wes.weber@example.com', 'Wes Weber')
      .lookup('ORD-1483', { status: 'lost_in_transit' });
    expect(plan(h, verifiedFacts([order('ORD-1483')]))).toEqual([
      ['process_refund', { order_id: 'ORD-1483', reason: 'not_received' }],
    ]);
  });

  it('does not read a status question about a refund as a new request', () => {
    const h = history().customer('sarah@example.com where is my refund for ORD-8842?').verify().lookup('ORD-8842');
    expect(planNames(h, verifiedFacts([order('ORD-8842')]))).toEqual([]);
  });
});

describe('offline planner: order numbers in many forms', () => {
  const forms: Array<[string, string]> = [
    ['the order is 1217', 'ORD-1217'],
    ['Order nr. 1210', 'ORD-1210'],
    ['#1210', 'ORD-1210'],
    ['order no: 1210', 'ORD-1210'],
    ['my order number is 1077', 'ORD-1077'],
    ['ord1210', 'ORD-1210'],
  ];
  for (const [text, id] of forms)
    it(`looks up ${id} for "${text}"`, () => {
      const h = history().customer(`sarah@example.com, ${text}, refund please`);
      expect(plan(h, UNVERIFIED)).toEqual([
        ['get_customer', { email: 'sarah@example.com' }],
        ['lookup_order', { order_id: id }],
      ]);
    });

  it('reads a bare number as the order the agent just asked for ("it\'s 8842")', () => {
    const h = history()
      .customer('I want a refund')
      .agent('I can help. Could you tell me the email address on your account and the order number?')
      .customer('sarah@example.com')
      .verify()
      .agent('Thanks, Sarah. Which order would you like a refund for? Please share the order number.')
      .customer("it's 8842");
    expect(plan(h, verifiedFacts([], { state: 'verified' }))).toEqual([['lookup_order', { order_id: 'ORD-8842' }]]);
  });

  it('does not read a bare number as an order when nobody asked for one', () => {
    const h = history()
      .customer('sarah@example.com')
      .verify()
      .agent('How can I help you today?')
      .customer('I paid 8842 cents');
    expect(plan(h, verifiedFacts([], { state: 'verified' }))).toEqual([]);
  });

  it('keeps amounts, dates and times out of order ids', () => {
    const h = history()
      .customer('sarah@example.com')
      .verify()
      .agent('Which order is it? Please share the order number.')
      .customer('I paid $1200.50 on 2026-11-20 at 10:30, it was 1,299 total');
    expect(plan(h, verifiedFacts([], { state: 'verified' }))).toEqual([]);
  });
});

describe('offline planner: two orders in one message, each by its own facts', () => {
  const eligible = order('ORD-1063', { refundableUsd: '$78.22' });
  const aboveLimit = order('ORD-1056', { needsApproval: true, refundableUsd: '$329.22' });
  const both = () =>
    history()
      .customer('chloe.costa@example.com: refund ORD-1056 (it arrived cracked) and ORD-1063 (never arrived)')
      .verify('chloe.costa@example.com', 'Chloe Costa')
      .lookup('ORD-1056', { description: 'Kettle', amount: '$329.22' })
      .lookup('ORD-1063', { description: 'Backpack', amount: '$78.22', status: 'lost_in_transit' });

  it('proposes the eligible refund first, alone, then the one that needs approval', () => {
    const facts = verifiedFacts([aboveLimit, eligible]);
    expect(plan(both(), facts)).toEqual([['process_refund', { order_id: 'ORD-1063', reason: 'not_received' }]]);
    const after = both().refund('ORD-1063', 'not_received', '$78.22');
    const refunded = verifiedFacts([aboveLimit, { ...eligible, refunded: true }]);
    expect(plan(after, refunded)).toEqual([['process_refund', { order_id: 'ORD-1056', reason: 'damaged' }]]);
  });

  it('while the first offer waits, proposes nothing and says the other needs a specialist', () => {
    const h = both().offer('ORD-1063', 'not_received');
    const offer = { kind: 'confirmation' as const, offerId: 'OFR-1', orderId: 'ORD-1063', amountUsd: '$78.22' };
    const facts = verifiedFacts([aboveLimit, eligible], { state: 'awaiting-confirmation', awaiting: offer });
    expect(plan(h, facts)).toEqual([]);
    const text = reply(h, facts.customer ? { ...facts, customer: { ...facts.customer, name: 'Chloe Costa' } } : facts);
    expect(text).toMatch(/^Thanks, Chloe — I've checked order ORD-1063\./);
    expect(text).toMatch(/ORD-1056 needs a specialist's approval; I'll set that up as soon as you've answered/);
    expect(text).not.toMatch(/processed|\$78\.22/);
  });

  it('refunds the first order and answers the status question about the second ("refund X, and where is Y?")', () => {
    const h = history()
      .customer('grace.garcia@example.com refund ORD-1147, and where is ORD-1133?')
      .verify('grace.garcia@example.com', 'Grace Garcia')
      .lookup('ORD-1147', { description: 'Monitor' })
      .lookup('ORD-1133', { description: 'Running shoes', status: 'lost_in_transit', delivered_date: null });
    const facts = verifiedFacts([order('ORD-1147'), order('ORD-1133')], {
      customer: { ...verifiedFacts().customer!, name: 'Grace Garcia' },
    });
    expect(plan(h, facts)).toEqual([['process_refund', { order_id: 'ORD-1147', reason: 'changed_mind' }]]);
    const done = h.refund('ORD-1147', 'changed_mind', '$46.65');
    const after = { ...facts, orders: [order('ORD-1147', { refunded: true }), order('ORD-1133')] };
    expect(plan(done, after)).toEqual([]);
    const text = reply(done, after);
    expect(text).toMatch(/processed the refund for order ORD-1147/);
    expect(text).toMatch(/ORD-1133 \(Running shoes\) was lost in transit/);
    expect(text).not.toMatch(/refund for order ORD-1133/);
  });

  it('gives each order of a list the words said next to it', () => {
    const h = history()
      .customer('ava.adams@example.com. Refund ORD-1007 (arrived broken) and ORD-1014 (wrong size) please.')
      .verify('ava.adams@example.com', 'Ava Adams')
      .lookup('ORD-1007')
      .lookup('ORD-1014');
    const facts = verifiedFacts([order('ORD-1007'), order('ORD-1014')]);
    expect(plan(h, facts)).toEqual([['process_refund', { order_id: 'ORD-1007', reason: 'damaged' }]]);
    const next = h.refund('ORD-1007');
    expect(plan(next, { ...facts, orders: [order('ORD-1007', { refunded: true }), order('ORD-1014')] })).toEqual([
      ['process_refund', { order_id: 'ORD-1014', reason: 'wrong_item' }],
    ]);
  });
});

describe('offline planner: whose email it is', () => {
  it("verifies the email the customer calls theirs, never a friend's, even when the friend's comes last", () => {
    const h = history().customer(
      "I'm sarah@example.com; my friend James's order ORD-7771, his email is james@example.com",
    );
    expect(plan(h, UNVERIFIED)).toEqual([
      ['get_customer', { email: 'sarah@example.com' }],
      ['lookup_order', { order_id: 'ORD-7771' }],
    ]);
  });

  it("never proposes an email introduced as someone else's, and asks for the customer's own", () => {
    const h = history().customer("I'm writing for my wife, her email is grace.garcia@example.com, she wants a refund");
    expect(plan(h, UNVERIFIED)).toEqual([]);
    expect(reply(h, UNVERIFIED)).toMatch(/email address on your own account/);
  });

  it('asks which one is theirs when two emails come without saying', () => {
    const h = history().customer(
      'noah.nakamura@example.com or yara.young@example.com, not sure which I used. refund ORD-1287',
    );
    expect(plan(h, UNVERIFIED)).toEqual([]);
    expect(reply(h, UNVERIFIED)).toBe(
      'Which of these is the email on your account? Please send just that one, and I will look it up.',
    );
  });

  it('takes "mine is" over an address said to be a relative\'s', () => {
    const h = history().customer("marcus@example.com is my husband's; mine is sarah@example.com. ORD-8842 broke");
    expect(plan(h, UNVERIFIED)[0]).toEqual(['get_customer', { email: 'sarah@example.com' }]);
  });

  it('moves on to a corrected email after one that matched no account', () => {
    const h = history()
      .customer('my email is sarh@example.com')
      .call('get_customer', { email: 'sarh@example.com' }, { found: false }, true)
      .agent("I couldn't find an account with sarh@example.com.")
      .customer("sorry, it's sarah@example.com");
    expect(plan(h, startFacts({ unknownEmails: ['sarh@example.com'] }))).toEqual([
      ['get_customer', { email: 'sarah@example.com' }],
    ]);
  });
});

describe('offline planner: replies about several orders', () => {
  it('names several unknown order numbers in one sentence', () => {
    const h = history().customer('sarah@example.com where are ORD-2001, ORD-2002 and ORD-2003?').verify();
    for (const id of ['ORD-2001', 'ORD-2002', 'ORD-2003'])
      h.call('lookup_order', { order_id: id }, { found: false }, true);
    expect(reply(h, verifiedFacts([], { state: 'verified' }))).toContain(
      "I couldn't find orders ORD-2001, ORD-2002, ORD-2003.",
    );
  });

  it('answers "when will I see the money?" after a refund without repeating where the order is', () => {
    const h = history()
      .customer('sarah@example.com my blender ORD-8842 broke, refund please')
      .verify()
      .lookup('ORD-8842')
      .refund('ORD-8842')
      .agent("I've processed the refund for order ORD-8842, reference RF-TEST1.")
      .customer('cheers! when will I see the money?');
    const text = reply(h, verifiedFacts([order('ORD-8842', { refunded: true })]));
    expect(text).toMatch(/already been refunded \(reference RF-TEST1\).*5-10 business days/);
    expect(text).not.toMatch(/delivered on/);
  });

  it('reads "send a new one" as a replacement of this order, not as another order', () => {
    const h = history()
      .customer('sarah@example.com ORD-8842 arrived cracked, refund please')
      .verify()
      .lookup('ORD-8842')
      .customer("on second thought please don't refund it, could you send a new one instead?");
    const facts = verifiedFacts([order('ORD-8842')]);
    expect(plan(h, facts)).toEqual([]);
    expect(reply(h, facts)).toMatch(/replacement/);
  });
});

describe('offline planner: bounded proposals (I12)', () => {
  it('proposes at most 4 calls for one 4 KB message with one email and 440 order ids', () => {
    const ids = Array.from({ length: 440 }, (_, i) => `ORD-${2000 + i}`);
    const text = `sarah@example.com refund ${ids.join(' ')}`.slice(0, 4000);
    const started = performance.now();
    const h = history().customer(text);
    const first = plan(h, UNVERIFIED);
    expect(performance.now() - started).toBeLessThan(500);
    expect(first).toHaveLength(4);
    expect(first.map(([n]) => n)).toEqual(['get_customer', 'lookup_order', 'lookup_order', 'lookup_order']);
    // the rest of the turn: one more lookup (4 orders a message), then nothing is proposed twice
    h.verify();
    for (const id of ['ORD-2000', 'ORD-2001', 'ORD-2002'])
      h.call('lookup_order', { order_id: id }, { found: false }, true);
    expect(plan(h, verifiedFacts([], { state: 'verified' }))).toEqual([['lookup_order', { order_id: 'ORD-2003' }]]);
    expect(reply(h, verifiedFacts([], { state: 'verified' }))).toMatch(/up to 4 orders at a time/);
  });

  it('does not propose the same refund twice in one turn after a refusal', () => {
    const h = history()
      .customer('sarah@example.com refund ORD-8842')
      .verify()
      .lookup('ORD-8842')
      .call('process_refund', { order_id: 'ORD-8842', reason: 'damaged' }, 'Not allowed now.', true);
    expect(plan(h, verifiedFacts([order('ORD-8842')]))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { history, order, plan, planNames, reply, startFacts, verifiedFacts } from './offline-history.js';

const OFFER = { kind: 'confirmation' as const, offerId: 'OFR-1', orderId: 'ORD-8842', amountUsd: '$89.99' };
const awaitingFacts = () => verifiedFacts([order('ORD-8842')], { state: 'awaiting-confirmation', awaiting: OFFER });
/** Sarah asked for a refund of ORD-8842 and the machine turned the proposal into an offer. */
const offered = (ask = 'sarah@example.com my blender ORD-8842 arrived broken, refund please') =>
  history().customer(ask).verify().lookup('ORD-8842').offer('ORD-8842');

describe('offline planner: a refund the customer takes back or refuses', () => {
  const sameMessage = [
    'sarah@example.com ORD-8842 is broken, I want a refund. actually wait, it works now, forget the refund',
    'sarah@example.com about ORD-8842: hold off on the refund for now',
    "sarah@example.com ORD-8842 arrived broken. please don't refund it, send a new one",
    "sarah@example.com ORD-8842 is faulty. would I get a refund or a repair? it's fine for now",
    'sarah@example.com refund ORD-8842... no wait, never mind, I will keep it',
    'sarah@example.com I do not want my money back for ORD-8842, it just needs a new cable',
  ];
  for (const text of sameMessage)
    it(`proposes no refund for "${text.slice(18)}"`, () => {
      const h = history().customer(text).verify().lookup('ORD-8842');
      expect(planNames(h, verifiedFacts([order('ORD-8842')]))).not.toContain('process_refund');
    });

  const later = [
    'actually wait, it works now, forget the refund',
    'hold off on the refund for now',
    "please don't refund it, send a new one",
    "hmm, would I get a refund or a repair? it's fine for now",
    'no thanks',
    'let me think about it',
  ];
  for (const text of later)
    it(`does not offer the refund again after "${text}" (the offer was declined)`, () => {
      const h = offered().agent("Thanks, Sarah — I've checked order ORD-8842.").customer(text);
      const facts = verifiedFacts([order('ORD-8842')]);
      expect(plan(h, facts)).toEqual([]);
      expect(reply(h, facts)).toMatch(/haven't refunded|replacement|repairs/);
    });

  it('does not re-offer after a reply the planner cannot read, once the machine declined the offer', () => {
    const h = offered().agent("Thanks, Sarah — I've checked order ORD-8842.").customer('meh, not today mate');
    expect(plan(h, verifiedFacts([order('ORD-8842')]))).toEqual([]);
    expect(reply(h, verifiedFacts([order('ORD-8842')]))).toMatch(/haven't refunded order ORD-8842/);
  });

  it('a later clear request makes the refund proposable again', () => {
    const h = offered()
      .agent("Thanks, Sarah — I've checked order ORD-8842.")
      .customer('hold off for now please')
      .agent("No problem: I haven't refunded order ORD-8842.")
      .customer('ok I thought about it, please refund it after all');
    expect(plan(h, verifiedFacts([order('ORD-8842')]))).toEqual([
      ['process_refund', { order_id: 'ORD-8842', reason: 'damaged' }],
    ]);
  });

  it('a retraction before the lookup leaves only the lookup', () => {
    const h = history()
      .customer('sarah@example.com refund ORD-8842 please')
      .customer('forget it, it turned up after all');
    expect(plan(h, startFacts())).toEqual([
      ['get_customer', { email: 'sarah@example.com' }],
      ['lookup_order', { order_id: 'ORD-8842' }],
    ]);
  });
});

describe('offline planner: refund offers confirmed by the customer (I13)', () => {
  it('frames an offer briefly, without the amount and without saying the refund is done', () => {
    const text = reply(offered(), awaitingFacts());
    expect(text).toBe("Thanks, Sarah — I've checked order ORD-8842.");
  });

  it('proposes no refund while an offer waits, not even for another order the customer asks about', () => {
    const h = offered()
      .agent("Thanks, Sarah — I've checked order ORD-8842.")
      .customer('also please refund ORD-1007, it is broken too')
      .lookup('ORD-1007');
    const facts = verifiedFacts([order('ORD-8842'), order('ORD-1007')], {
      state: 'awaiting-confirmation',
      awaiting: OFFER,
    });
    expect(plan(h, facts)).toEqual([]);
    expect(reply(h, facts)).toMatch(/I'll come to order ORD-1007 once you've answered about order ORD-8842/);
  });

  it('answers something else asked while the offer stands, and says it still waits', () => {
    const h = offered()
      .agent("Thanks, Sarah — I've checked order ORD-8842.")
      .customer('how long would it take to arrive?');
    expect(plan(h, awaitingFacts())).toEqual([]);
    expect(reply(h, awaitingFacts())).toMatch(/waiting for your go-ahead/);
    expect(reply(h, awaitingFacts())).toMatch(
      /Once you confirm, the refund usually shows up within 5-10 business days/,
    );
  });

  it("tells the refund made on the customer's yes from the runtime's result", () => {
    const h = offered()
      .agent("Thanks, Sarah — I've checked order ORD-8842.")
      .customer('yes please')
      .runtimeRefundResult('ORD-8842');
    const facts = verifiedFacts([order('ORD-8842', { refunded: true })], { state: 'resolved', status: 'resolved' });
    expect(plan(h, facts)).toEqual([]);
    const text = reply(h, facts);
    expect(text).toMatch(/processed the refund for order ORD-8842, reference RF-TEST2/);
    expect(text).toContain('$89.99');
  });

  it("tells the refund made on the customer's yes from the facts when the history has no result of it", () => {
    const h = offered().agent("Thanks, Sarah — I've checked order ORD-8842.").customer('go ahead');
    const facts = verifiedFacts([order('ORD-8842', { refunded: true })], { state: 'resolved', status: 'resolved' });
    expect(plan(h, facts)).toEqual([]);
    expect(reply(h, facts)).toMatch(/processed the refund for order ORD-8842\. You'll get \$89\.99 back/);
  });

  it("a bare yes after an offer answers that offer, not an offer of the planner's own in the same reply", () => {
    const h = history()
      .customer('grace.garcia@example.com refund ORD-1147, and where is ORD-1133?')
      .verify('grace.garcia@example.com', 'Grace Garcia')
      .lookup('ORD-1147')
      .lookup('ORD-1133', { status: 'lost_in_transit', delivered_date: null })
      .offer('ORD-1147')
      .agent("If it hasn't reached you, I can refund order ORD-1133 for you: just say yes.")
      .customer('yes please');
    const facts = verifiedFacts([order('ORD-1147', { refunded: true }), order('ORD-1133')]);
    expect(plan(h, facts)).toEqual([]);
  });

  it('offers nothing of its own beside a waiting offer', () => {
    const h = history()
      .customer('grace.garcia@example.com refund ORD-1147, and where is ORD-1133?')
      .verify('grace.garcia@example.com', 'Grace Garcia')
      .lookup('ORD-1147')
      .lookup('ORD-1133', { status: 'lost_in_transit', delivered_date: null })
      .offer('ORD-1147');
    const offer = { ...OFFER, orderId: 'ORD-1147' };
    const facts = verifiedFacts([order('ORD-1147'), order('ORD-1133')], { awaiting: offer });
    const text = reply(h, facts);
    expect(text).not.toMatch(/just say yes/);
    expect(text).toMatch(/once you've answered about order ORD-1147/);
  });

  it('walks two orders through one offer at a time: the one within the limit, then the one needing approval', () => {
    const chloe = { name: 'Chloe Costa', email: 'chloe.costa@example.com', status: 'active' };
    const eligible = order('ORD-1063', { refundableUsd: '$78.22' });
    const approval = order('ORD-1056', { needsApproval: true, refundableUsd: '$329.22' });
    const h = history()
      .customer(
        'chloe.costa@example.com: my kettle ORD-1056 arrived cracked and ORD-1063 never came. Refunds for both please.',
      )
      .verify(chloe.email, chloe.name)
      .lookup('ORD-1056', { description: 'Kettle', amount: '$329.22' })
      .lookup('ORD-1063', { description: 'Backpack', amount: '$78.22', status: 'lost_in_transit' });
    // turn 1: the refund within the limit is offered first
    const start = verifiedFacts([approval, eligible], { customer: chloe });
    expect(plan(h, start)).toEqual([['process_refund', { order_id: 'ORD-1063', reason: 'not_received' }]]);
    h.offer('ORD-1063', 'not_received');
    const first = { kind: 'confirmation' as const, offerId: 'OFR-1', orderId: 'ORD-1063', amountUsd: '$78.22' };
    const waiting = { ...start, awaiting: first };
    expect(plan(h, waiting)).toEqual([]);
    h.agent(reply(h, waiting));
    // turn 2: the yes refunds it (in code); the other refund is proposed now
    h.customer('yes please').runtimeRefundResult('ORD-1063', '$78.22');
    const after = verifiedFacts([approval, { ...eligible, refunded: true }], { customer: chloe });
    expect(plan(h, after)).toEqual([['process_refund', { order_id: 'ORD-1056', reason: 'damaged' }]]);
    h.offer('ORD-1056');
    const second = { kind: 'confirmation' as const, offerId: 'OFR-2', orderId: 'ORD-1056', amountUsd: '$329.22' };
    const text = reply(h, { ...after, awaiting: second });
    expect(text).toMatch(
      /^I've processed the refund for order ORD-1063, reference RF-TEST2\..*I've also checked order ORD-1056\.$/,
    );
    h.agent(text);
    // turn 3: the yes sends it to a supervisor
    h.customer('yes');
    const escalation = {
      priority: 'P2',
      reason: 'policy_exception',
      ticketId: 'TKT-7',
      expectedWait: 'about 10 minutes',
    };
    const approving = {
      ...after,
      awaiting: { kind: 'approval' as const, orderId: 'ORD-1056', amountUsd: '$329.22' },
      escalation,
    };
    expect(plan(h, approving)).toEqual([]);
    expect(reply(h, approving)).toMatch(/refund of \$329\.22 for order ORD-1056 needs a specialist's approval/);
  });

  it('says a confirmed refund above the limit waits for a specialist (I14)', () => {
    const h = history()
      .customer('Email james@example.com. My espresso machine ORD-7771 never arrived, refund please')
      .verify('james@example.com', 'James Wright')
      .lookup('ORD-7771', { status: 'lost_in_transit', amount: '$400.00' })
      .offer('ORD-7771', 'not_received')
      .agent("Thanks, James — I've checked order ORD-7771.")
      .customer('yes, go ahead');
    const facts = verifiedFacts([order('ORD-7771', { needsApproval: true, refundableUsd: '$400.00' })], {
      state: 'awaiting-approval',
      customer: { name: 'James Wright', email: 'james@example.com', status: 'active' },
      awaiting: { kind: 'approval', orderId: 'ORD-7771', amountUsd: '$400.00' },
      escalation: { priority: 'P2', reason: 'policy_exception', ticketId: 'TKT-9', expectedWait: 'about 10 minutes' },
    });
    expect(plan(h, facts)).toEqual([]);
    const text = reply(h, facts);
    expect(text).toMatch(/ORD-7771 needs a specialist's approval/);
    expect(text).toMatch(/TKT-9/);
    expect(text).not.toMatch(/processed/);
  });
});

describe('offline planner: one-time code verification', () => {
  const codeFacts = (over = {}) =>
    startFacts({
      state: 'verifying',
      allowedTools: ['verify_code', 'escalate_to_human'],
      awaiting: { kind: 'code' },
      ...over,
    });

  it('proposes verify_code with the 6 digits the customer typed, then the lookups', () => {
    const h = history()
      .customer('sarah@example.com, ORD-8842 arrived broken')
      .call('get_customer', { email: 'sarah@example.com' }, { code_sent: true })
      .call('lookup_order', { order_id: 'ORD-8842' }, 'Verify the customer first.', true)
      .agent("I've sent a 6-digit code to the email address on your account.")
      .customer('the code is 482 913');
    expect(plan(h, codeFacts({ allowedTools: ['verify_code', 'lookup_order', 'escalate_to_human'] }))).toEqual([
      ['verify_code', { code: '482913' }],
      ['lookup_order', { order_id: 'ORD-8842' }],
    ]);
  });

  it('asks for the code sent to their email when none was given', () => {
    const h = history()
      .customer('sarah@example.com refund ORD-8842')
      .call('get_customer', { email: 'sarah@example.com' }, { code_sent: true });
    expect(plan(h, codeFacts())).toEqual([]);
    expect(reply(h, codeFacts())).toMatch(/6-digit code to the email address on your account/);
  });

  it('says a wrong code did not match', () => {
    const h = history()
      .customer('sarah@example.com')
      .call('get_customer', { email: 'sarah@example.com' }, { code_sent: true })
      .customer('111222')
      .call('verify_code', { code: '111222' }, { verified: false }, true);
    expect(plan(h, codeFacts())).toEqual([]);
    expect(reply(h, codeFacts())).toMatch(/didn't match/);
  });

  it('does not read a 6-digit order id as a code', () => {
    const h = history().customer('sarah@example.com order ORD-123456');
    expect(planNames(h, codeFacts())).toEqual([]);
  });
});

describe('offline planner: after an operator hands the conversation back (I15)', () => {
  it('does not read the note as the customer, nor act again on what the person handled', () => {
    const h = history()
      .customer('sarah@example.com refund ORD-8842 please')
      .verify()
      .lookup('ORD-8842')
      .note('A person handled 2 turns: they will refund ORD-8842 by bank transfer; customer agreed.');
    const facts = verifiedFacts([order('ORD-8842')]);
    expect(plan(h, facts)).toEqual([]);
    expect(reply(h, facts)).toMatch(/back with you/);
  });

  it('answers the next customer message normally', () => {
    const h = history()
      .customer('sarah@example.com refund ORD-8842 please')
      .verify()
      .lookup('ORD-8842')
      .note('A person handled 2 turns.')
      .customer('thanks! and where is ORD-1007?');
    const facts = verifiedFacts([order('ORD-8842')]);
    expect(plan(h, facts)).toEqual([['lookup_order', { order_id: 'ORD-1007' }]]);
    expect(
      reply(h.lookup('ORD-1007', { status: 'shipped' }), { ...facts, orders: [order('ORD-8842'), order('ORD-1007')] }),
    ).toMatch(/ORD-1007 \(Blender\) has shipped/);
  });
});

describe('offline planner: handing over to a person', () => {
  const calm = [
    'a person named Sue at your warehouse packed my ORD-8842 and it arrived broken, refund please',
    'my manager bought this for the office, ORD-8842 is broken, refund please',
    'must be human error at your warehouse, ORD-8842 is the wrong colour, refund please',
    'no need to get a manager involved, just refund ORD-8842 please, it broke',
  ];
  for (const text of calm)
    it(`does not hand over for "${text.slice(0, 40)}…"`, () => {
      const h = history().customer(`sarah@example.com ${text}`).verify().lookup('ORD-8842');
      expect(planNames(h, verifiedFacts([order('ORD-8842')]))).toEqual(['process_refund']);
    });

  const alarms: Array<[string, string]> = [
    ["honestly I don't want to be alive anymore", 'customer_distress'],
    ["I'm going to take legal action over ORD-8842", 'customer_distress'],
    ['someone used my card without permission to buy ORD-8842', 'fraud_suspected'],
    ['my account was hacked and somebody changed my address', 'fraud_suspected'],
    ['can I please speak with one of your colleagues?', 'customer_distress'],
    ['is there an actual person I can talk to', 'customer_distress'],
  ];
  for (const [text, reason] of alarms)
    it(`hands over as P1 (${reason}) for "${text}"`, () => {
      const h = history().customer(`sarah@example.com ${text}`).verify();
      expect(plan(h, verifiedFacts([], { state: 'verified' }))).toEqual([
        ['escalate_to_human', expect.objectContaining({ priority: 'P1', reason })],
      ]);
    });

  it('answers words about self-harm with care and where to get help now', () => {
    const h = history().customer("sarah@example.com I can't go on like this").verify();
    const facts = verifiedFacts([], {
      state: 'escalated',
      status: 'escalated',
      escalation: { priority: 'P1', reason: 'customer_distress', ticketId: 'TKT-1', expectedWait: 'about 2 minutes' },
    });
    const text = reply(h, facts);
    expect(text).toMatch(/emergency number or a crisis line/);
    expect(text).toMatch(/TKT-1/);
  });
});

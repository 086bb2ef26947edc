import { describe, expect, it } from 'vitest';
import { PaymentDeclinedError } from '../../src/backends/types.js';
import { createOfflineModel } from '../../src/models/offline.js';
import { findEmails } from '../../src/models/offline/emails.js';
import { detectIntent, detectReason, extractOrderIds } from '../../src/models/offline/extract.js';
import type { ModelRequest, StateFacts } from '../../src/models/types.js';
import { ZERO_USAGE } from '../../src/models/types.js';
import { startFacts } from '../support/fake-models.js';
import { createHarness, type Harness } from '../support/harness.js';

interface Chat {
  id: string;
  replies: string[];
  last: Awaited<ReturnType<Harness['runtime']['sendMessage']>>;
}

/** One conversation: sends each message in turn. */
async function chat(h: Harness, messages: string[]): Promise<Chat> {
  const c = await h.runtime.createConversation();
  const replies: string[] = [];
  let last: Chat['last'] | undefined;
  for (const m of messages) {
    last = await h.runtime.sendMessage(c.conversation_id, c.token, m);
    replies.push(last.reply);
  }
  if (!last) throw new Error('no messages');
  return { id: c.conversation_id, replies, last };
}

/** Runs a scenario on a fresh harness with the offline model, and closes it. */
async function scenario(messages: string[], check: (r: Chat, h: Harness) => Promise<void>): Promise<void> {
  const h = await createHarness(createOfflineModel());
  try {
    await check(await chat(h, messages), h);
  } finally {
    await h.close();
  }
}

const refundsOf = async (h: Harness, id: string) =>
  (await h.runtime.listRefunds()).filter((r) => r.conversation_id === id);
const ticketsOf = async (h: Harness, id: string) =>
  (await h.runtime.listTickets()).filter((t) => t.conversation_id === id);

/** I7: nothing internal in anything the customer reads. */
function expectClean(replies: string[]) {
  for (const r of replies) {
    expect(r).not.toMatch(/\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b/);
    expect(r).not.toMatch(/USR-/);
    expect(r).not.toMatch(/\b150\b/);
    expect(r.length).toBeGreaterThan(0);
  }
}

describe('offline model: the five seed scenarios', () => {
  it('1: refunds ORD-8842 for Sarah (damaged) and resolves without a ticket', () =>
    scenario(
      ['Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.'],
      async (r, h) => {
        const refunds = await refundsOf(h, r.id);
        expect(refunds.map((x) => [x.order_id, x.amount, x.reason])).toEqual([['ORD-8842', 89.99, 'damaged']]);
        expect(await ticketsOf(h, r.id)).toEqual([]);
        expect(r.last.status).toBe('resolved');
        expect(r.last.reply).toContain('ORD-8842');
        expect(r.last.reply).toContain('$89.99');
        expect(r.last.reply).toContain(refunds[0]!.refund_id);
        expect(r.last.reply).toMatch(/business days/);
        expectClean(r.replies);
      },
    ));

  it('2: escalates an angry request for a manager as P1', () =>
    scenario(['Email james@example.com. This is absolutely unacceptable. I want a manager NOW.'], async (r, h) => {
      const tickets = await ticketsOf(h, r.id);
      expect(tickets.map((t) => t.priority)).toEqual(['P1']);
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect(r.last.status).toBe('escalated');
      expect(r.last.reply).toContain(tickets[0]!.ticket_id);
      expect(r.last.reply).toMatch(/about 2 minutes/);
      expectClean(r.replies);
    }));

  it('3: escalates a request for a real person as P1', () =>
    scenario(['Email sarah@example.com. I want to talk to a real person please.'], async (r, h) => {
      expect((await ticketsOf(h, r.id)).map((t) => t.priority)).toEqual(['P1']);
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect(r.last.status).toBe('escalated');
      expect(r.last.reply).toMatch(/team|person/);
    }));

  it('4: explains that a subscription order is not refundable and refunds nothing', () =>
    scenario(['Email marcus@example.com. I want to return order ORD-9901 from 45 days ago.'], async (r, h) => {
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect(r.last.reply).toMatch(/subscription/i);
      expect(r.last.reply).toMatch(/not refundable|can't refund/);
      expect(r.last.status).not.toBe('resolved');
      expectClean(r.replies);
    }));

  it("5: shows nothing of Sarah's order to Marcus and escalates P1", () =>
    scenario(['Email marcus@example.com. Check order ORD-8842 please.'], async (r, h) => {
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect((await ticketsOf(h, r.id)).map((t) => t.priority)).toEqual(['P1']);
      expect(r.last.status).toBe('escalated');
      for (const leaked of ['Blender', 'blender', '89.99', 'Sarah', 'sarah'])
        expect(r.last.reply).not.toContain(leaked);
      expect(r.last.reply).toMatch(/isn't on your account/);
      expectClean(r.replies);
    }));
});

describe('offline model: natural variants', () => {
  it('understands other casing, order id formats and wording', () =>
    scenario(['EMAIL: SARAH@EXAMPLE.COM. order #8842 is smashed, money back please'], async (r, h) => {
      expect((await refundsOf(h, r.id)).map((x) => [x.order_id, x.reason])).toEqual([['ORD-8842', 'damaged']]);
      expect(r.last.status).toBe('resolved');
    }));

  it('gathers the request, email and order over several messages', () =>
    scenario(['I want a refund', 'sarah@example.com', 'ORD-8842, it arrived broken', 'thanks!'], async (r, h) => {
      expect(r.replies[0]).toMatch(/email address/);
      expect(r.replies[0]).toMatch(/order number/);
      expect(r.replies[1]).toMatch(/Sarah/);
      expect(r.replies[1]).toMatch(/Which order/);
      expect(r.replies[2]).toContain('$89.99');
      expect(r.replies[3]).toMatch(/welcome/i);
      expect((await refundsOf(h, r.id)).map((x) => [x.order_id, x.reason])).toEqual([['ORD-8842', 'damaged']]);
      expectClean(r.replies);
    }));

  it('asks to check an email that matched no account, then continues with the right one', () =>
    scenario(
      ['my email is sarh@example.com, order ord 8842 never arrived', "oops, it's sarah@example.com"],
      async (r, h) => {
        expect(r.replies[0]).toContain("couldn't find an account with sarh@example.com");
        expect((await refundsOf(h, r.id)).map((x) => [x.order_id, x.reason])).toEqual([['ORD-8842', 'not_received']]);
        expect(r.last.status).toBe('resolved');
      },
    ));

  it('asks for the order id when a refund is requested without one', () =>
    scenario(['sarah@example.com here, I need to return something'], async (r, h) => {
      expect(r.last.reply).toMatch(/order number/);
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect(r.last.status).toBe('open');
    }));

  it('answers an order status question from the lookup', () =>
    scenario(['ben.brooks@example.com - where is my order ORD-1028?', 'and ORD1042?'], async (r, h) => {
      expect(r.replies[0]).toMatch(/ORD-1028.*shipped/);
      expect(r.replies[1]).toMatch(/ORD-1042.*delivered on November \d+, 2026/);
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect(await ticketsOf(h, r.id)).toEqual([]);
    }));

  it('escalates a refund above the autonomous limit as P2 and refunds nothing', () =>
    scenario(['Email james@example.com. My order ORD-7771 never arrived, I want my money back.'], async (r, h) => {
      expect(await refundsOf(h, r.id)).toEqual([]);
      const tickets = await ticketsOf(h, r.id);
      expect(tickets.map((t) => [t.priority, t.reason])).toEqual([['P2', 'policy_exception']]);
      expect(r.last.status).toBe('escalated');
      expect(r.last.reply).toMatch(/approval/);
      expect(r.last.reply).toMatch(/specialist/);
      expect(r.last.reply).toContain(tickets[0]!.ticket_id);
      expectClean(r.replies);
    }));

  it('says an already refunded order is already refunded', () =>
    scenario(['chloe.costa@example.com here. Please refund ORD-1049, wrong item.'], async (r, h) => {
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect(r.last.reply).toMatch(/already been refunded/);
    }));

  it('refunds two orders in one conversation', () =>
    scenario(
      [
        'diego.diaz@example.com: ORD-1070 is broken, refund please',
        'I also want to return another order',
        'ORD-1077, it was the wrong size',
      ],
      async (r, h) => {
        expect(r.replies[1]).toMatch(/Which order/);
        const refunds = await refundsOf(h, r.id);
        expect(refunds.map((x) => [x.order_id, x.reason]).sort()).toEqual([
          ['ORD-1070', 'damaged'],
          ['ORD-1077', 'wrong_item'],
        ]);
        expect(r.replies[2]).toContain('ORD-1077');
        expect(await ticketsOf(h, r.id)).toEqual([]);
      },
    ));

  it('refunds two orders named in one message', () =>
    scenario(
      ['diego.diaz@example.com', 'ORD-1070 arrived damaged and ORD-1077 too, I want refunds for both'],
      async (r, h) => {
        expect((await refundsOf(h, r.id)).map((x) => x.order_id).sort()).toEqual(['ORD-1070', 'ORD-1077']);
        expect(r.last.reply).toContain('ORD-1070');
        expect(r.last.reply).toContain('ORD-1077');
      },
    ));

  it('explains an order outside the return window', () =>
    scenario(['ava.adams@example.com, I want to return ORD-1014'], async (r, h) => {
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect(r.last.reply).toMatch(/30 days/);
    }));

  it('asks to check an order id that was not found, then uses the corrected one', () =>
    scenario(['sarah@example.com', 'ORD-9999 refund please', 'sorry, ORD-8842'], async (r, h) => {
      expect(r.replies[1]).toMatch(/couldn't find an order ORD-9999/);
      expect((await refundsOf(h, r.id)).map((x) => x.order_id)).toEqual(['ORD-8842']);
    }));

  it('hands a suspended account to a specialist (P2) without any write', () =>
    scenario(['dana@example.com, refund ORD-5550 please'], async (r, h) => {
      expect(await refundsOf(h, r.id)).toEqual([]);
      expect((await ticketsOf(h, r.id)).map((t) => t.priority)).toEqual(['P2']);
      expect(r.last.reply).toMatch(/specialist/);
    }));

  it('proposes escalate_to_human for a request for a person the triggers do not catch', () =>
    scenario(['sarah@example.com', 'can you connect me with staff?', 'hello??'], async (r, h) => {
      const tickets = await ticketsOf(h, r.id);
      expect(tickets.map((t) => [t.priority, t.reason])).toEqual([['P1', 'customer_distress']]);
      expect(r.replies[1]).toContain(tickets[0]!.ticket_id);
      expect(r.replies[2]).toMatch(/already with our team/);
    }));

  it('answers "where is it?" about an order that has not arrived, and refunds it when the customer says yes', () =>
    scenario(
      [
        "Hello, I'm sarah@example.com and my order ORD-8842 hasn't arrived yet, can you check where it is?",
        'yes please',
      ],
      async (r, h) => {
        expect(r.replies[0]).toMatch(/delivered on/);
        expect(r.replies[0]).toMatch(/just say yes/);
        expect((await refundsOf(h, r.id)).map((x) => [x.order_id, x.reason])).toEqual([['ORD-8842', 'not_received']]);
        expect(r.replies[1]).toContain('$89.99');
      },
    ));

  it('cannot cancel an order itself, and hands it to the team when the customer accepts', () =>
    scenario(['ava.adams@example.com', 'I want to cancel order ORD-1021', 'yes'], async (r, h) => {
      expect(r.replies[1]).toMatch(/hasn't shipped/);
      expect(r.replies[1]).toMatch(/member of our team\?/);
      expect(await refundsOf(h, r.id)).toEqual([]);
      const tickets = await ticketsOf(h, r.id);
      expect(tickets.map((t) => t.priority)).toEqual(['P3']);
      expect(r.replies[2]).toContain(tickets[0]!.ticket_id);
    }));

  it('offers a person after a second request for a refund the policy does not allow', () =>
    scenario(
      ['Email marcus@example.com. I want to return order ORD-9901.', 'But I really want my money back!', 'yes please'],
      async (r, h) => {
        expect(r.replies[0]).not.toMatch(/member of our team/);
        expect(r.replies[1]).toMatch(/member of our team\?/);
        expect(await refundsOf(h, r.id)).toEqual([]);
        expect((await ticketsOf(h, r.id)).map((t) => [t.priority, t.reason])).toEqual([['P3', 'policy_exception']]);
        expect(r.last.status).toBe('escalated');
      },
    ));

  it('answers small talk warmly and asks how to help', () =>
    scenario(['hi'], async (r) => {
      expect(r.last.reply).toMatch(/^Hi/);
      expect(r.last.reply).toMatch(/How can I help/);
    }));
});

describe('offline model: payment outcomes', () => {
  it('says a refund with an unknown outcome is being confirmed, then tells the customer once it is', async () => {
    let failures = 3; // the first attempt and both retries time out: outcome unknown
    const h = await createHarness(createOfflineModel(), {
      wrapBackends: (b) => ({
        ...b,
        payments: {
          ...b.payments,
          refund: async (req) => {
            if (failures-- > 0) throw new Error('timeout');
            return b.payments.refund(req);
          },
        },
      }),
    });
    try {
      const r = await chat(h, ['sarah@example.com, ORD-8842 arrived broken', 'any news?']);
      expect(r.replies[0]).toMatch(/being confirmed/);
      expect(r.replies[0]).not.toMatch(/failed|processed the refund/);
      expect(r.replies[1]).toMatch(/has now been confirmed/);
      expect((await refundsOf(h, r.id)).map((x) => x.order_id)).toEqual(['ORD-8842']);
    } finally {
      await h.close();
    }
  });

  it('hands a declined refund to a person and does not claim it was made', async () => {
    const h = await createHarness(createOfflineModel(), {
      wrapBackends: (b) => ({
        ...b,
        payments: {
          ...b.payments,
          refund: async () => {
            throw new PaymentDeclinedError('declined');
          },
        },
      }),
    });
    try {
      const r = await chat(h, ['sarah@example.com, ORD-8842 arrived broken']);
      expect(r.last.reply).toMatch(/couldn't complete the refund/);
      expect(r.last.reply).toMatch(/team/);
      expect(r.last.status).toBe('escalated');
      expect((await ticketsOf(h, r.id)).map((t) => t.priority)).toEqual(['P2']);
      expect(await refundsOf(h, r.id)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('offline model: the planner itself', () => {
  const facts = startFacts;
  const request = (messages: ModelRequest['messages'], f: StateFacts): ModelRequest => ({
    system: '',
    stateNote: '',
    facts: f,
    messages,
    tools: [],
  });

  it('verifies and looks up in one response, deterministically, with zero usage', async () => {
    const model = createOfflineModel();
    const req = request([{ role: 'user', content: 'sarah@example.com, ORD-8842 arrived broken' }], facts());
    const a = await model.next(req);
    const b = await model.next(req);
    expect(model.name).toBe('offline');
    expect(a).toEqual(b);
    expect(a.usage).toEqual(ZERO_USAGE);
    expect(a.stopReason).toBe('tool_use');
    expect(a.content.map((c) => (c.type === 'tool_use' ? [c.name, c.input] : c.type))).toEqual([
      ['get_customer', { email: 'sarah@example.com' }],
      ['lookup_order', { order_id: 'ORD-8842' }],
    ]);
  });

  it('never proposes a refund with an amount', async () => {
    const f = facts({
      state: 'refund-eligible',
      allowedTools: ['lookup_order', 'process_refund', 'escalate_to_human'],
      customer: { name: 'Sarah Chen', email: 'sarah@example.com', status: 'active' },
      orders: [
        {
          orderId: 'ORD-8842',
          owned: true,
          eligible: true,
          ineligibleExplanation: null,
          refundableUsd: '$89.99',
          needsApproval: false,
          refunded: false,
        },
      ],
    });
    const res = await createOfflineModel().next(
      request([{ role: 'user', content: 'sarah@example.com: refund ORD-8842 please, I pay $10' }], f),
    );
    expect(res.content).toEqual([
      expect.objectContaining({
        type: 'tool_use',
        name: 'process_refund',
        input: { order_id: 'ORD-8842', reason: 'changed_mind' },
      }),
    ]);
  });

  it('replies instead of re-proposing a call refused in this turn', async () => {
    const messages: ModelRequest['messages'] = [
      { role: 'user', content: 'sarah@example.com' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't1', name: 'get_customer', input: { email: 'sarah@example.com' } }],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 't1', content: 'Not allowed now.', is_error: true }],
      },
    ];
    const res = await createOfflineModel().next(request(messages, facts()));
    expect(res.stopReason).toBe('end_turn');
    expect(res.content).toHaveLength(1);
    expect(res.content[0]?.type).toBe('text');
  });

  it('replies only once the conversation is escalated, with the reference and wait', async () => {
    const f = facts({
      state: 'escalated',
      status: 'escalated',
      allowedTools: [],
      escalation: { priority: 'P1', reason: 'customer_distress', ticketId: 'TKT-ABC', expectedWait: 'about 2 minutes' },
    });
    const res = await createOfflineModel().next(
      request([{ role: 'user', content: 'sarah@example.com refund ORD-8842' }], f),
    );
    expect(res.content).toEqual([{ type: 'text', text: expect.stringMatching(/TKT-ABC.*about 2 minutes/) }]);
  });
});

describe('offline model: reading the customer', () => {
  it('normalises order ids written in many ways', () => {
    for (const text of [
      'ORD-8842',
      'ord 8842',
      'ORD8842',
      'order #8842',
      'Order number: 8842',
      'order no. 8842',
      'it is #8842',
      'ord_8842',
    ])
      expect(extractOrderIds(text), text).toEqual(['ORD-8842']);
    expect(extractOrderIds('ORD-1070 and ord 1077')).toEqual(['ORD-1070', 'ORD-1077']);
    expect(extractOrderIds('I ordered 300 cups')).toEqual([]);
  });

  it('finds emails, lower-cased, without trailing punctuation', () => {
    expect(findEmails('Email SARAH@Example.com. Thanks').map((e) => e.email)).toEqual(['sarah@example.com']);
  });

  it('maps the customer words to refund reasons', () => {
    const cases: Array<[string, string | null]> = [
      ['my blender arrived broken', 'damaged'],
      ['the screen is cracked', 'damaged'],
      ["it doesn't work", 'damaged'],
      ['it never arrived', 'not_received'],
      ["the parcel didn't arrive", 'not_received'],
      ['they sent the wrong size', 'wrong_item'],
      ['this is not what I ordered', 'wrong_item'],
      ['I changed my mind', 'changed_mind'],
      ['I no longer need it', 'changed_mind'],
      ['you charged me twice', 'billing_error'],
      ['I was overcharged', 'billing_error'],
      ['I want a refund', null],
    ];
    for (const [text, reason] of cases) expect(detectReason(text), text).toBe(reason);
  });

  it('tells a refund request from a status question', () => {
    expect(detectIntent('I want my money back')).toBe('refund');
    expect(detectIntent('please send it back')).toBe('refund');
    expect(detectIntent('where is my order?')).toBe('status');
    expect(detectIntent("I don't want a refund, just tracking")).toBe('status');
    expect(detectIntent('hello')).toBeNull();
  });
});

describe('offline model: after a refund', () => {
  it('confirms the refund when thanked and asked whether it went through', async () => {
    const h = await createHarness(createOfflineModel());
    try {
      const c = await h.runtime.createConversation();
      await h.runtime.sendMessage(
        c.conversation_id,
        c.token,
        'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
      );
      const r = await h.runtime.sendMessage(c.conversation_id, c.token, 'thanks! did it go through?');
      expect(r.reply).toMatch(/refund for order ORD-8842 has been processed/);
    } finally {
      await h.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { findEmails, offeredEmail } from '../../src/models/offline/emails.js';
import { detectIntent, detectReason, extractOrderIds, readMessage } from '../../src/models/offline/extract.js';
import { clauseIntent } from '../../src/models/offline/intent.js';
import { withinOneEdit } from '../../src/models/offline/text.js';

const owners = (text: string) => findEmails(text).map((e) => [e.email, e.owner]);

describe('offline reading: order ids', () => {
  it('reads the written forms of an order id', () => {
    const forms = [
      'ORD-8842',
      'ord 8842',
      'ORD8842',
      'order #8842',
      'Order number: 8842',
      'order no. 8842',
      'it is #8842',
    ];
    for (const text of [...forms, 'ord_8842', 'the order is 8842', 'Order nr. 8842', 'order n° 8842', 'ORD–8842'])
      expect(extractOrderIds(text), text).toEqual(['ORD-8842']);
  });

  it('reads lists after one keyword, in order', () => {
    expect(extractOrderIds('orders 1070 and 1077')).toEqual(['ORD-1070', 'ORD-1077']);
    expect(extractOrderIds('ORD-1070, 1077 & 1084')).toEqual(['ORD-1070', 'ORD-1077', 'ORD-1084']);
  });

  it('reads a bare 4-digit number only when the agent asked for the order', () => {
    expect(extractOrderIds("it's 8842", true)).toEqual(['ORD-8842']);
    expect(extractOrderIds("it's 8842")).toEqual([]);
    expect(extractOrderIds('8842', true)).toEqual(['ORD-8842']);
  });

  it('leaves amounts, dates, times, counts and email digits alone', () => {
    for (const text of [
      'I paid $1200',
      'it cost 1,299',
      'on 2026-11-20',
      'at 10:30',
      'I ordered 300 cups',
      'ava1007@example.com',
    ])
      expect(extractOrderIds(text, true), text).toEqual([]);
    expect(extractOrderIds('my order was 1200 dollars')).toEqual([]);
  });

  it('keeps at most 4 orders of one message and counts the rest', () => {
    const s = readMessage('refund ORD-1001 ORD-1002 ORD-1003 ORD-1004 ORD-1005 ORD-1006');
    expect(s.orderIds).toEqual(['ORD-1001', 'ORD-1002', 'ORD-1003', 'ORD-1004']);
    expect(s.droppedOrders).toBe(2);
  });
});

describe('offline reading: whose email', () => {
  it('marks the customer introducing their own address', () => {
    for (const text of [
      "I'm sarah@example.com",
      'my email is sarah@example.com',
      'this is sarah@example.com',
      'my login: sarah@example.com',
    ])
      expect(owners(text), text).toEqual([['sarah@example.com', 'self']]);
  });

  it("marks someone else's address", () => {
    const texts = [
      'his email is james@example.com',
      "my wife's email is james@example.com",
      'my husband uses james@example.com',
      "james@example.com (my brother's)",
      'for my friend: james@example.com',
    ];
    for (const text of texts) expect(owners(text), text).toEqual([['james@example.com', 'other']]);
  });

  it('leaves an address said without introduction as unknown', () => {
    expect(owners('Hi, email sarah@example.com. Thanks')).toEqual([['sarah@example.com', 'unknown']]);
  });

  it('offers the own one over others, the only one when unsaid, and nothing when it cannot tell', () => {
    const none = new Set<string>();
    expect(offeredEmail(findEmails("I'm sarah@example.com; his email is james@example.com"), none)).toBe(
      'sarah@example.com',
    );
    expect(offeredEmail(findEmails('her email is grace.garcia@example.com'), none)).toBeNull();
    expect(offeredEmail(findEmails('a@example.com or b@example.com'), none)).toBe('ambiguous');
    expect(offeredEmail(findEmails('a@example.com or b@example.com'), new Set(['a@example.com']))).toBe(
      'b@example.com',
    );
  });
});

describe('offline reading: what is asked', () => {
  it('recognises refund requests with typos, slang and non-native wording', () => {
    const texts = [
      'pls refnd',
      'can I just get my cash back',
      'give me back what I paid',
      'i want refound',
      'I want my money return',
      'please make reimbursement',
      'I would like to send it back',
      'reembolso por favor',
      'refudn please',
    ];
    for (const text of texts) expect(detectIntent(text), text).toBe('refund');
  });

  it('recognises a refusal or retraction, and that a later request wins', () => {
    const texts = [
      'forget the refund',
      'actually wait, it works now, forget the refund',
      'hold off on the refund for now',
      "please don't refund it",
      'never mind',
      'let me think about it',
      'no thanks',
      'nope',
      "it's fine for now",
      "I've changed my mind about the refund",
      "I'll keep it",
    ];
    for (const text of texts) expect(detectIntent(text), text).toBe('no_refund');
    expect(detectIntent('forget what I said earlier, I do want a refund')).toBe('refund');
    expect(detectIntent("it's fine, refund it")).toBe('refund');
  });

  it('tells options, replacements and refund status from a request', () => {
    expect(clauseIntent('would i get a refund or a repair?', true).intent).toBe('options');
    expect(detectIntent('send a new one please')).toBe('replace');
    expect(detectIntent('did my refund go through?')).toBe('status');
    expect(detectIntent('where is my refund')).toBe('status');
    expect(detectIntent('can I have a refund?')).toBe('refund');
  });

  it('reads a different request for each order of one message', () => {
    const s = readMessage('refund ORD-1147, and where is ORD-1133?');
    expect(s.perOrder.get('ORD-1147')?.intent).toBe('refund');
    expect(s.perOrder.get('ORD-1133')?.intent).toBe('status');
    const t = readMessage('ORD-1070 arrived broken and ORD-1077 never came. Refunds for both please.');
    expect(t.perOrder.get('ORD-1070')).toEqual({ intent: 'refund', reason: 'damaged' });
    expect(t.perOrder.get('ORD-1077')).toEqual({ intent: 'refund', reason: 'not_received' });
  });

  it('lets a retraction later in the message take back a request made earlier in it', () => {
    const s = readMessage('Refund ORD-8842 please. Actually, forget it.');
    expect(s.perOrder.get('ORD-8842')?.intent).toBe('no_refund');
  });

  it('maps the customer words to refund reasons, misspelt ones included', () => {
    const cases: Array<[string, string | null]> = [
      ['my blender arrived broken', 'damaged'],
      ['it came brokn', 'damaged'],
      ['box was damged', 'damaged'],
      ['it not work', 'damaged'],
      ['the parcel never arrive', 'not_received'],
      ['i not received it', 'not_received'],
      ['they sent me a different colour', 'wrong_item'],
      ['I change my mind', 'changed_mind'],
      ['you charged me two times', 'billing_error'],
      ['I want a refund', null],
    ];
    for (const [text, reason] of cases) expect(detectReason(text), text).toBe(reason);
  });
});

describe('offline reading: tone, hand-over and codes', () => {
  it('hears a request for a person only when it is one', () => {
    const yes = [
      'can I speak with one of your colleagues',
      'put me through to somebody real',
      'human please',
      'I need a real person',
    ];
    const no = [
      'human error at your warehouse',
      'my manager bought this',
      'no need to get a manager involved',
      'a person named Sue',
    ];
    for (const t of yes) expect(readMessage(t).wantsHuman, t).toBe(true);
    for (const t of no) expect(readMessage(t).wantsHuman, t).toBe(false);
  });

  it('hears distress, legal threats and fraud in paraphrase', () => {
    expect(readMessage("I just don't want to live anymore").alarm).toBe('self_harm');
    expect(readMessage('you will hear from my solicitor').alarm).toBe('legal');
    expect(readMessage('see you in court').alarm).toBe('legal');
    expect(readMessage('someone logged into my account and ordered stuff').alarm).toBe('fraud');
    expect(readMessage('I never placed this order').alarm).toBe('fraud');
    expect(readMessage('a person named Sue at your depot').alarm).toBeNull();
    expect(readMessage("I know this isn't a scam, your shop is great").alarm).toBeNull();
    expect(readMessage("if it isn't here by Friday I'll see you in court").alarm).toBe('legal');
  });

  it('finds a 6-digit code, not an order id, a phone number or a longer number', () => {
    expect(readMessage('my code is 482913').code).toBe('482913');
    expect(readMessage('482-913').code).toBe('482913');
    expect(readMessage('order ORD-482913').code).toBeNull();
    expect(readMessage('call me on 0044 482 913 555').code).toBeNull();
    expect(readMessage('1234567').code).toBeNull();
  });

  it('tells a yes from thanks', () => {
    for (const t of ['yes please', 'yes pls', 'sure, do it', 'go ahead', 'Yes, go ahead please', 'yep'])
      expect(readMessage(t).affirmative, t).toBe(true);
    for (const t of ['ok thanks', 'great, thank you', 'yes but which order?'])
      expect(readMessage(t).affirmative, t).toBe(false);
  });

  it('matches words within one edit only', () => {
    expect(withinOneEdit('refnd', 'refund')).toBe(true);
    expect(withinOneEdit('refudn', 'refund')).toBe(true);
    expect(withinOneEdit('refuse', 'refund')).toBe(false);
  });
});

describe('offline reading: linear time', () => {
  const shapes = [
    'a'.repeat(4000),
    'a@'.repeat(2000),
    '1'.repeat(4000),
    'order '.repeat(666),
    '#1 '.repeat(1333),
    ', '.repeat(2000),
    'refund ORD-1234 and '.repeat(200),
    'yes '.repeat(1000),
    `${'x.'.repeat(1999)}@`,
  ];
  for (const text of shapes)
    it(`reads a 4,000-character message of "${text.slice(0, 8)}…" quickly`, () => {
      const started = performance.now();
      readMessage(text.slice(0, 4000), true);
      expect(performance.now() - started).toBeLessThan(200);
    });
});

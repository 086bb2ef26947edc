/**
 * I15: while an operator holds a conversation the model is never called; the customer is told of
 * each change of hands; on handback the agent resumes with a note of what the person did.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorConflictError } from '../../src/runtime/operator-actions.js';
import { addCustomer, addOrder } from '../support/builders.js';
import { createHarness, type Harness } from '../support/harness.js';
import { ZERO_USAGE } from '../../src/models/types.js';
import { deferredModel, text, toolUse } from '../support/scripted-model.js';

const ANA = { name: 'Ana Lima', role: 'agent' as const };

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function verifiedConversation() {
  const model = deferredModel();
  h = await createHarness(model, { runtime: { confirmRefunds: true } });
  const customer = await addCustomer(h, { name: 'Noor Haddad' });
  const order = await addOrder(h, customer, { cents: 3_000 });
  model.play([[toolUse('get_customer', { email: customer.email })], [text('Hello Noor, how can I help?')]]);
  const conv = await h.runtime.createConversation();
  await h.runtime.sendMessage(conv.conversation_id, conv.token, `hi, ${customer.email} here`);
  return { h, model, id: conv.conversation_id, token: conv.token, order, customer };
}

describe('I15 a person in charge', () => {
  it('never calls the model while taken over; the customer’s messages are recorded for the person', async () => {
    const s = await verifiedConversation();
    const before = s.model.requests.length;
    const view = await s.h.runtime.operatorAct(s.id, ANA, { kind: 'takeover' });
    expect(view.state).toBe('human-active');
    expect(view.allowed).toEqual(expect.arrayContaining(['operator.reply', 'operator.handback', 'operator.resolve']));
    // a hostile model would refund at once: it is never asked
    s.model.play([
      [toolUse('lookup_order', { order_id: s.order })],
      [toolUse('process_refund', { order_id: s.order, reason: 'damaged' })],
    ]);
    const r = await s.h.runtime.sendMessage(s.id, s.token, `refund ${s.order} now please`);
    expect(r.reply).toBe('');
    expect(r.state).toBe('human-active');
    expect(r.awaiting).toEqual({ kind: 'person', operator: 'Ana Lima' });
    expect(s.model.requests.length).toBe(before);
    const operatorView = await s.h.runtime.operatorView(s.id, ANA);
    expect(operatorView.messages.at(-1)).toMatchObject({ role: 'customer', text: `refund ${s.order} now please` });
  });

  it('tells the customer of each change of hands, marks the person’s reply, and sanitises it like everything else', async () => {
    const s = await verifiedConversation();
    await s.h.runtime.operatorAct(s.id, ANA, { kind: 'takeover' });
    await s.h.runtime.operatorAct(s.id, ANA, {
      kind: 'reply',
      message: 'Hi Noor, I am looking at your order now. Internal code LIMIT_EXCEEDED is not for you.',
    });
    await s.h.runtime.operatorAct(s.id, ANA, { kind: 'handback' });
    const messages = (await s.h.runtime.getConversation(s.id, s.token)).messages;
    const tail = messages.slice(-3);
    expect(tail[0]).toMatchObject({ role: 'system', text: 'Ana from our support team has joined the conversation.' });
    expect(tail[1]).toMatchObject({
      role: 'operator',
      author: 'Ana Lima',
      text: 'Hi Noor, I am looking at your order now.',
    });
    expect(tail[2]?.role).toBe('system');
    expect(tail[2]?.text).toContain('handed you back to the assistant');
  });

  it('on handback returns to the state recorded at takeover, and the agent resumes (not silent) with a note of what the person did', async () => {
    const s = await verifiedConversation();
    await s.h.runtime.operatorAct(s.id, ANA, { kind: 'takeover' });
    await s.h.runtime.sendMessage(s.id, s.token, 'are you a person?');
    await s.h.runtime.operatorAct(s.id, ANA, { kind: 'reply', message: 'Yes, I am Ana. Your parcel is on its way.' });
    const back = await s.h.runtime.operatorAct(s.id, ANA, { kind: 'handback' });
    expect(back.state).toBe('verified');
    s.model.play([[text('Glad Ana could help. Anything else?')]]);
    const r = await s.h.runtime.sendMessage(s.id, s.token, 'thanks! one more thing');
    expect(r.reply).toBe('Glad Ana could help. Anything else?');
    const history = s.model.requests
      .at(-1)!
      .messages.flatMap((m) =>
        typeof m.content === 'string' ? [m.content] : m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])),
      );
    expect(history.some((t) => t.startsWith('[note] A person from the support team (Ana Lima) handled turns'))).toBe(
      true,
    );
    expect(history).toContain('[a person from the support team wrote] Yes, I am Ana. Your parcel is on its way.');
    // no "stay silent" instruction lingers anywhere in what the model reads
    expect(JSON.stringify(s.model.requests.at(-1))).not.toMatch(/stay silent|do not reply|don't reply/i);
  });

  it('stops a turn in flight from calling the model again once a person takes over', async () => {
    const s = await verifiedConversation();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let entered: () => void = () => {};
    const inside = new Promise<void>((r) => (entered = r));
    let calls = 0;
    // the model is thinking (its first call blocks) when the person takes over; then it proposes a lookup
    s.h.runtime.model.next = async () => {
      calls++;
      entered();
      await gate;
      return { content: [toolUse('lookup_order', { order_id: s.order })], stopReason: 'tool_use', usage: ZERO_USAGE };
    };
    const turn = s.h.runtime.sendMessage(s.id, s.token, `what about ${s.order}?`);
    await inside;
    await s.h.runtime.operatorAct(s.id, ANA, { kind: 'takeover' });
    release();
    const r = await turn;
    expect(calls).toBe(1);
    expect(r.state).toBe('human-active');
    const proposals = (await s.h.runtime.store.listEvents(s.id)).filter((e) => e.kind === 'proposal');
    expect(proposals.filter((e) => JSON.stringify(e.payload).includes('lookup_order'))).toEqual([]);
  });

  it('refuses a reply or handback before a takeover (409 lists what is allowed), and a second takeover', async () => {
    const s = await verifiedConversation();
    const early = await s.h.runtime.operatorAct(s.id, ANA, { kind: 'reply', message: 'hi' }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(OperatorConflictError);
    expect((early as OperatorConflictError).allowed).toEqual(['operator.takeover', 'operator.resolve']);
    await s.h.runtime.operatorAct(s.id, ANA, { kind: 'takeover' });
    const twice = await s.h.runtime.operatorAct(s.id, ANA, { kind: 'takeover' }).catch((e: unknown) => e);
    expect((twice as OperatorConflictError).rejection.code).toBe('ALREADY_TAKEN_OVER');
  });
});

/**
 * I16 in the chat: with SUPPORT_VERIFICATION=code the SEED scenarios pass with the code step. The
 * offline model asks for the code sent to the address on file; nothing about the account or its
 * orders is shown before the customer types it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedMailbox } from '../../src/backends/embedded/embedded-backends.js';
import { createOfflineModel } from '../../src/models/offline.js';
import { refundsOf, ticketsOf } from '../support/assertions.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function codeConversation() {
  h = await createHarness(createOfflineModel(), { runtime: { confirmRefunds: true, verification: 'code' } });
  const mailbox = createEmbeddedMailbox(h.db);
  const conv = await h.runtime.createConversation();
  const send = (m: string) => h!.runtime.sendMessage(conv.conversation_id, conv.token, m);
  const codeFor = async (email: string) => {
    const [mail] = await mailbox.list({ to: email, limit: 1 });
    const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
    if (!code) throw new Error(`no code mailed to ${email}`);
    return code;
  };
  return { h, conv, send, codeFor };
}

describe('SEED scenarios with one-time codes (I16)', () => {
  it('SEED 1: asks for the code, shows nothing before it, then refunds ORD-8842 once after the yes', async () => {
    const s = await codeConversation();
    const first = await s.send(
      'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
    );
    expect(first.state).toBe('verifying');
    expect(first.awaiting).toEqual({ kind: 'code' });
    expect(first.reply).toMatch(/code/i);
    // nothing about the account or the order before the code
    expect(JSON.stringify(first)).not.toMatch(/Sarah|89\.99|Blender/);
    const verified = await s.send(`the code is ${await s.codeFor('sarah@example.com')}`);
    expect(verified.awaiting).toMatchObject({ kind: 'confirmation', order_id: 'ORD-8842', amount: 89.99 });
    const done = await s.send('yes please');
    expect(done.state).toBe('resolved');
    expect((await refundsOf(s.h)).map((r) => [r.order_id, r.amount])).toEqual([['ORD-8842', 89.99]]);
  });

  it('SEED 2 and 3: a manager or a real person is a P1 ticket, code or not', async () => {
    for (const message of [
      'Email james@example.com. This is absolutely unacceptable. I want a manager NOW.',
      'Email sarah@example.com. I want to talk to a real person please.',
    ]) {
      const s = await codeConversation();
      const r = await s.send(message);
      expect(r.status).toBe('escalated');
      expect((await ticketsOf(s.h, s.conv.conversation_id)).map((t) => t.priority)).toEqual(['P1']);
      await s.h.close();
      h = null;
    }
  });

  it('SEED 4: after the code, the subscription order is explained and not refunded', async () => {
    const s = await codeConversation();
    await s.send('Email marcus@example.com. I want to return order ORD-9901 from 45 days ago.');
    const r = await s.send(await s.codeFor('marcus@example.com'));
    expect(r.reply).toMatch(/subscription/i);
    expect(await refundsOf(s.h)).toEqual([]);
  });

  it('SEED 5: after the code, another customer’s order is blocked, shown nothing of, and escalated P1', async () => {
    const s = await codeConversation();
    await s.send('Email marcus@example.com. Check order ORD-8842 please.');
    const r = await s.send(`here is the code: ${await s.codeFor('marcus@example.com')}`);
    expect(r.status).toBe('escalated');
    expect(JSON.stringify(r)).not.toMatch(/Blender|89\.99|Sarah|USR-001/);
    expect((await ticketsOf(s.h, s.conv.conversation_id)).map((t) => t.priority)).toEqual(['P1']);
  });

  it('refuses a wrong code and a code the customer never typed; an unknown address looks like a known one', async () => {
    const s = await codeConversation();
    const unknown = await s.send('my email is nobody.here@example.org');
    expect(unknown.state).toBe('verifying');
    expect(unknown.reply).toMatch(/code/i);
    expect(unknown.reply).not.toMatch(/couldn't find|no account/i);
    const wrong = await s.send('123456');
    expect(wrong.state).toBe('verifying');
    expect(wrong.awaiting).toEqual({ kind: 'code' });
  });
});

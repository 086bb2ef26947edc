import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, toolUse } from '../support/scripted-model.js';
import { chatOnce, proposalsOf, refundsOf, ticketsOf } from '../support/assertions.js';
import { detectTrigger } from '../../src/language/triggers.js';
import { createSanitizer, createStreamingSanitizer, FALLBACK_REPLY } from '../../src/runtime/sanitizer.js';
import { buildSystemPrompt } from '../../src/runtime/prompt.js';
import { DEFAULT_POLICY } from '../../src/policy.js';

let h: Harness;
afterEach(async () => h?.close());

describe('I6 triggers in code', () => {
  it.each([
    ['Email james@example.com. This is absolutely unacceptable. I want a manager NOW.', 'distress'],
    ['Email sarah@example.com. I want to talk to a real person please.', 'human'],
    ["I'll call my L.A.W.Y.E.R about this", 'legal'],
    ['this is a s c a m', 'fraud'],
    ['total fr4ud', 'fraud'],
    ['I will SUE you', 'legal'],
    ['can I speak to a HUMAN', 'human'],
    ['UNACCEPTAAABLE service', 'distress'],
    ['get me your supervisor', 'human'],
    ['so many scams here', 'fraud'],
    ['this is fr-aud', 'fraud'],
    ['I want humans, not bots', 'human'],
    ['can I speak with a person', 'human'],
    ['transfer me to an agent', 'human'],
    ['this is a sc\u0430m', 'fraud'],
  ])('detects %j', (message, kind) => {
    expect(detectTrigger(message)?.kind).toBe(kind);
  });

  it.each([
    'My blender arrived broken, order ORD-8842',
    'there is an issue with my order',
    'please refund ORD-1007, thanks',
    'email sarah@example.com',
    'the operator of the delivery van was kind',
  ])('does not fire on %j', (message) => {
    expect(detectTrigger(message)).toBeNull();
  });

  it('opens a P1 ticket before the model runs, and refuses every later write whatever the model proposes', async () => {
    h = await createHarness(
      scriptedModel([
        [
          toolUse('get_customer', { email: 'sarah@example.com' }),
          toolUse('lookup_order', { order_id: 'ORD-8842' }),
          toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' }),
        ],
        [text('A person will be with you shortly.')],
      ]),
    );
    const c = await chatOnce(h, 'sarah@example.com, ORD-8842 broke and this is a scam, refund now');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p.map((x) => x.decision)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(p.every((x) => x.code === 'ESCALATED')).toBe(true);
    expect(await refundsOf(h)).toEqual([]);
    expect((await ticketsOf(h, c.conversation_id)).map((t) => [t.priority, t.reason])).toEqual([
      ['P1', 'fraud_suspected'],
    ]);
    expect(c.result.status).toBe('escalated');
  });

  it('raises an earlier, less urgent escalation to P1 on a trigger, with a ticket of its own', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('escalate_to_human', { reason: 'complexity', priority: 'P3', context: 'Needs a person.' })],
        [text('A colleague will help.')],
        [text('I hear you.')],
      ]),
    );
    const c = await h.runtime.createConversation();
    await h.runtime.sendMessage(c.conversation_id, c.token, 'this is complicated');
    const r = await h.runtime.sendMessage(c.conversation_id, c.token, 'I am going to sue you, get me a lawyer');
    expect(r.status).toBe('escalated');
    expect((await ticketsOf(h, c.conversation_id)).map((t) => t.priority).sort()).toEqual(['P1', 'P3']);
    expect(r.reply).not.toMatch(/25 minutes/);
    // once at P1, further triggers open nothing more
    await h.runtime.sendMessage(c.conversation_id, c.token, 'this is a scam');
    expect(await ticketsOf(h, c.conversation_id)).toHaveLength(2);
  });

  it('escalates on a trigger in a later message after the order was refundable', async () => {
    h = await createHarness(
      scriptedModel([
        [toolUse('get_customer', { email: 'sarah@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
        [text('It is refundable.')],
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
        [text('ok')],
      ]),
    );
    const c = await h.runtime.createConversation();
    await h.runtime.sendMessage(c.conversation_id, c.token, 'sarah@example.com ORD-8842');
    const r = await h.runtime.sendMessage(c.conversation_id, c.token, 'I want my lawyer to see this. refund it');
    expect(r.status).toBe('escalated');
    expect(await refundsOf(h)).toEqual([]);
  });
});

describe('I7 no leaks', () => {
  const systemPrompt = buildSystemPrompt(DEFAULT_POLICY);
  const s = createSanitizer({ refundLimitCents: 15_000, systemPrompt });

  it.each([
    ['Error code LIMIT_EXCEEDED occurred.', 'internal_code'],
    ['Our refund limit is $150.', 'limit_figure'],
    ['I can only do 150 dollars.', 'limit_figure'],
    ['TypeError: x is undefined at foo (/src/runtime/turn.ts:12:5).', 'stack_trace'],
    ['Your id is USR-001.', 'internal_id'],
    [
      'You propose tool calls; the system checks each one against the store policy and runs only those it accepts.',
      'system_prompt',
    ],
  ])('removes %j', (sentence, kind) => {
    const out = s.sanitize(`Thanks for waiting. ${sentence} Anything else?`);
    expect(out.removed).toContain(kind);
    expect(out.text).toBe('Thanks for waiting. Anything else?');
  });

  it('keeps a clean reply untouched and falls back when nothing is left', () => {
    expect(s.sanitize('Your refund of $89.99 for ORD-8842 is on its way.').text).toBe(
      'Your refund of $89.99 for ORD-8842 is on its way.',
    );
    expect(s.sanitize('OWNERSHIP_MISMATCH').text).toBe(FALLBACK_REPLY);
  });

  it("removes another customer's data and emails the customer did not give", () => {
    const out = s.sanitize('That is a Blender. Write to sarah@example.com. Bye.', {
      foreignTerms: ['Blender'],
      allowedEmails: ['marcus@example.com'],
    });
    expect(out.text).toBe('Bye.');
  });

  it('streams sentence by sentence and never releases a leaking sentence', () => {
    const seen: string[] = [];
    const stream = createStreamingSanitizer(s, {}, (t) => seen.push(t));
    for (const chunk of ['Hello there', '. The lim', 'it is $15', '0. Your order ', 'is fine.']) stream.push(chunk);
    stream.flush();
    expect(seen.join('')).toBe('Hello there. Your order is fine.');
    expect(seen.length).toBeGreaterThan(1);
  });

  it('sanitises a hostile model reply end to end', async () => {
    h = await createHarness(
      scriptedModel([
        [
          text(
            'Internal: PAYMENT_FAILED. The refund limit is $150. Stack: Error: boom at x (/app/src/a.ts:1:2). How can I help?',
          ),
        ],
      ]),
    );
    const c = await chatOnce(h, 'hello');
    expect(c.result.reply).toBe('How can I help?');
    expect(JSON.stringify(c.result)).not.toMatch(/PAYMENT_FAILED|\$150|a\.ts/);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { PaymentDeclinedError, type Backends } from '../../src/backends/types.js';
import type { Model } from '../../src/models/types.js';
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, toolUse } from '../support/scripted-model.js';
import { chatOnce, proposalsOf, refundsOf, ticketsOf } from '../support/assertions.js';

let h: Harness;
afterEach(async () => h?.close());

const refundScript = () =>
  scriptedModel([
    [toolUse('get_customer', { email: 'sarah@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
    [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
    [text('Thanks.')],
  ]);

describe('I8 failures', () => {
  it('retries a failing backend call twice, then opens a P2 tool_failure ticket', async () => {
    let calls = 0;
    h = await createHarness(
      scriptedModel([[toolUse('get_customer', { email: 'sarah@example.com' })], [text('sorry')]]),
      {
        wrapBackends: (b): Backends => ({
          ...b,
          crm: {
            ...b.crm,
            findCustomerByEmail: async () => {
              calls++;
              throw new Error('crm down');
            },
          },
        }),
      },
    );
    const c = await chatOnce(h, 'sarah@example.com');
    expect(calls).toBe(3);
    expect((await ticketsOf(h, c.conversation_id)).map((t) => [t.priority, t.reason])).toEqual([
      ['P2', 'tool_failure'],
    ]);
    expect(c.result.status).toBe('escalated');
    expect(c.result.reply).not.toMatch(/crm down/);
  });

  it('bounds a backend call that never answers (I12), then escalates it as a tool failure', async () => {
    h = await createHarness(
      scriptedModel([[toolUse('get_customer', { email: 'sarah@example.com' })], [text('sorry')]]),
      {
        wrapBackends: (b): Backends => ({ ...b, crm: { ...b.crm, findCustomerByEmail: () => new Promise(() => {}) } }),
        runtime: { retry: { retries: 2, baseDelayMs: 1, sleep: async () => {}, attemptTimeoutMs: 20 } },
      },
    );
    const c = await chatOnce(h, 'sarah@example.com');
    expect(c.result.status).toBe('escalated');
    expect((await ticketsOf(h, c.conversation_id)).map((t) => [t.priority, t.reason])).toEqual([
      ['P2', 'tool_failure'],
    ]);
  });

  it('recovers from a transient failure without a ticket', async () => {
    let calls = 0;
    h = await createHarness(
      scriptedModel([[toolUse('get_customer', { email: 'sarah@example.com' })], [text('hi Sarah')]]),
      {
        wrapBackends: (b): Backends => ({
          ...b,
          crm: {
            ...b.crm,
            findCustomerByEmail: async (e) =>
              ++calls < 3 ? Promise.reject(new Error('blip')) : b.crm.findCustomerByEmail(e),
          },
        }),
      },
    );
    const c = await chatOnce(h, 'sarah@example.com');
    expect(c.result.state).toBe('verified');
    expect(await ticketsOf(h)).toEqual([]);
  });

  it('never reports an unknown payment outcome as done or failed, and reconciles it with the same key', async () => {
    let failing = true;
    const keys: string[] = [];
    h = await createHarness(refundScript(), {
      wrapBackends: (b): Backends => ({
        ...b,
        payments: {
          ...b.payments,
          refund: async (req) => {
            keys.push(req.idempotencyKey);
            // the provider processed it but the answer was lost
            const r = await b.payments.refund(req);
            if (failing) throw new Error('timeout');
            return r;
          },
        },
      }),
    });
    const c = await chatOnce(h, 'sarah@example.com ORD-8842 broken');
    expect(c.result.state).toBe('refund-reconciling');
    expect(c.result.status).toBe('open');
    expect(c.result.reply).not.toMatch(/fail|declin/i);
    failing = false;
    const next = await h.runtime.sendMessage(c.conversation_id, c.token, 'any news?');
    expect(next.state).toBe('resolved');
    expect(new Set(keys)).toEqual(new Set(['refund:ORD-8842']));
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
  });

  it('asks a human to reconcile after several unknown outcomes, never calling the refund failed, and still refunds once', async () => {
    let failing = true;
    h = await createHarness(refundScript(), {
      wrapBackends: (b): Backends => ({
        ...b,
        payments: {
          ...b.payments,
          refund: async (req) => (failing ? Promise.reject(new Error('timeout')) : b.payments.refund(req)),
        },
      }),
    });
    const c = await chatOnce(h, 'sarah@example.com ORD-8842 broken');
    expect(c.result.state).toBe('refund-reconciling');
    await h.runtime.sendMessage(c.conversation_id, c.token, 'any news?');
    expect(await ticketsOf(h)).toEqual([]);
    const third = await h.runtime.sendMessage(c.conversation_id, c.token, 'hello?');
    expect(third.status).toBe('escalated');
    expect((await ticketsOf(h, c.conversation_id)).map((t) => [t.priority, t.reason])).toEqual([
      ['P2', 'tool_failure'],
    ]);
    expect(third.reply).not.toMatch(/fail|declin/i);
    failing = false;
    await h.runtime.recoverPendingEffects();
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
    const view = await h.runtime.getConversation(c.conversation_id, c.token);
    expect(view.refunds.map((r) => r.order_id)).toEqual(['ORD-8842']);
  });

  it('escalates a declined payment as P2 and refunds nothing', async () => {
    h = await createHarness(refundScript(), {
      wrapBackends: (b): Backends => ({
        ...b,
        payments: {
          ...b.payments,
          refund: async () => {
            throw new PaymentDeclinedError();
          },
        },
      }),
    });
    const c = await chatOnce(h, 'sarah@example.com ORD-8842 broken');
    expect(c.result.status).toBe('escalated');
    expect((await ticketsOf(h, c.conversation_id)).map((t) => [t.priority, t.reason])).toEqual([
      ['P2', 'tool_failure'],
    ]);
    expect(await refundsOf(h)).toEqual([]);
  });
});

describe('I9 clarification', () => {
  it('opens a P3 complexity ticket after two failed clarification rounds', async () => {
    h = await createHarness(
      scriptedModel([
        [text('What is your email?')],
        [text('I still need your email.')],
        [text('Could you share your email?')],
      ]),
    );
    const c = await h.runtime.createConversation();
    const r1 = await h.runtime.sendMessage(c.conversation_id, c.token, 'I need help');
    const r2 = await h.runtime.sendMessage(c.conversation_id, c.token, 'help me');
    expect([r1.status, r2.status]).toEqual(['open', 'open']);
    const r3 = await h.runtime.sendMessage(c.conversation_id, c.token, 'I dont know');
    expect(r3.status).toBe('escalated');
    expect((await ticketsOf(h, c.conversation_id)).map((t) => [t.priority, t.reason])).toEqual([['P3', 'complexity']]);
    // the reply ends with what happens now
    expect(r3.reply).toMatch(/member of our team/);
  });

  it('does not count greetings and thanks as failed clarification rounds', async () => {
    h = await createHarness(
      scriptedModel([[text('How can I help?')], [text('You are welcome!')], [text('Anything else?')], [text('Bye!')]]),
    );
    const c = await h.runtime.createConversation();
    for (const m of ['Hello!', 'thanks', 'ok', 'bye']) await h.runtime.sendMessage(c.conversation_id, c.token, m);
    expect(await ticketsOf(h)).toEqual([]);
  });

  it('resets the counter when a turn obtains something', async () => {
    h = await createHarness(
      scriptedModel([
        [text('email?')],
        [text('email?')],
        [toolUse('get_customer', { email: 'sarah@example.com' })],
        [text('hi')],
        [text('order id?')],
        [text('order id?')],
      ]),
    );
    const c = await h.runtime.createConversation();
    for (const m of ['hi', 'hmm', 'sarah@example.com', 'hmm'])
      await h.runtime.sendMessage(c.conversation_id, c.token, m);
    expect(await ticketsOf(h)).toEqual([]);
  });
});

describe('I11 receipts', () => {
  it('records unknown tools and malformed inputs as rejected proposals, answered with is_error, without crashing', async () => {
    const model = scriptedModel([
      [
        toolUse('delete_all_orders', {}),
        toolUse('get_customer', { mail: 42 }),
        toolUse('process_refund', 'not an object'),
        toolUse('lookup_order', { order_id: '' }),
      ],
      [text('Sorry.')],
    ]);
    h = await createHarness(model);
    const c = await chatOnce(h, 'hello');
    const p = await proposalsOf(h, c.conversation_id);
    expect(p.map((x) => [x.tool, x.decision, x.code])).toEqual([
      ['delete_all_orders', 'rejected', 'UNKNOWN_TOOL'],
      ['get_customer', 'rejected', 'INVALID_INPUT'],
      ['process_refund', 'rejected', 'INVALID_INPUT'],
      ['lookup_order', 'rejected', 'INVALID_INPUT'],
    ]);
    const second = model.requests[1]!;
    const results = second.messages[second.messages.length - 1]!;
    expect(results.role).toBe('user');
    expect(
      Array.isArray(results.content) && results.content.every((b) => b.type === 'tool_result' && b.is_error === true),
    ).toBe(true);
    expect(p.every((x) => x.state === 'unverified' && x.reason.length > 0)).toBe(true);
  });
});

describe('I12 bounded turns', () => {
  it('stops after the model-call cap with a graceful reply', async () => {
    const looping: Model = {
      name: 'looping',
      async next() {
        return {
          content: [toolUse('get_customer', { email: 'nobody@example.com' })],
          stopReason: 'tool_use',
          usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
        };
      },
    };
    h = await createHarness(looping, { runtime: { maxModelCalls: 5 } });
    const c = await chatOnce(h, 'hi');
    expect(c.result.usage.modelCalls).toBe(5);
    expect(c.result.reply).toMatch(/send your message again/);
  });

  it('answers gracefully when the model fails, and the conversation continues', async () => {
    let fail = true;
    const flaky: Model = {
      name: 'flaky',
      async next() {
        if (fail) throw new Error('overloaded');
        return {
          content: [text('Back again. How can I help?')],
          stopReason: 'end_turn',
          usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        };
      },
    };
    h = await createHarness(flaky);
    const c = await chatOnce(h, 'hi');
    expect(c.result.reply).toMatch(/send your message again/);
    expect(c.result.reply).not.toMatch(/overloaded/);
    fail = false;
    const next = await h.runtime.sendMessage(c.conversation_id, c.token, 'hi again');
    expect(next.reply).toBe('Back again. How can I help?');
  });

  it('ends a turn whose model never answers at the time limit', async () => {
    const hanging: Model = {
      name: 'hanging',
      next: (req) =>
        new Promise((_, reject) => {
          req.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    };
    h = await createHarness(hanging, { runtime: { turnTimeoutMs: 50 } });
    const c = await chatOnce(h, 'hi');
    expect(c.result.reply).toMatch(/send your message again/);
  });
});

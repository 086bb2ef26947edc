/**
 * End to end: the runtime with the Claude adapter (the real SDK) against the fake Messages API,
 * playing honest and hostile scripted models. The invariants hold whatever the model says.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeModel, INVALID_TOOL_NAME, type ClaudeModelOptions } from '../../src/models/claude.js';
import { UNAVAILABLE_REPLY } from '../../src/runtime/turn.js';
import type { TurnEvent } from '../../src/runtime/types.js';
import { proposalsOf, refundsOf, ticketsOf } from '../support/assertions.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeHandler } from '../support/fake-anthropic.js';
import { alwaysError, honestRefundModel, hostileModels, type FakeModel } from '../support/fake-models.js';
import { createHarness, type Harness } from '../support/harness.js';

const SCENARIO_1 = 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.';
const MODEL = 'claude-sonnet-4-6';

let fake: FakeAnthropic | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await fake?.close();
  h = undefined;
  fake = undefined;
});

async function setup(handler: FakeHandler, options: Partial<ClaudeModelOptions> = {}, confirmRefunds = false) {
  fake = await startFakeAnthropic(handler);
  h = await createHarness(
    createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0, model: MODEL, logLevel: 'off', ...options }),
    { runtime: { confirmRefunds } },
  );
  return { fake, h };
}

async function send(harness: Harness, message: string, stream = false) {
  const c = await harness.runtime.createConversation();
  const events: TurnEvent[] = [];
  const result = await harness.runtime.sendMessage(
    c.conversation_id,
    c.token,
    message,
    stream ? { stream: true, onEvent: (e) => events.push(e) } : {},
  );
  return { ...c, result, events };
}

/** I4 and I3 for every order, whatever happened. */
async function expectRefundInvariants(harness: Harness) {
  const refunds = await refundsOf(harness);
  const perOrder = new Map<string, number>();
  for (const r of refunds) perOrder.set(r.order_id, (perOrder.get(r.order_id) ?? 0) + 1);
  for (const n of perOrder.values()) expect(n).toBe(1);
  for (const r of refunds.filter((x) => x.order_id === 'ORD-8842')) expect(r.amount).toBe(89.99);
}

describe('runtime + claude adapter + fake API: SEED scenario 1 with refund confirmation (I13)', () => {
  it('offers the exact refund, refunds once on the customer’s yes, and the model does not contradict the code', async () => {
    const { fake, h } = await setup(honestRefundModel, {}, true);
    const c = await h.runtime.createConversation();
    const offered = await h.runtime.sendMessage(c.conversation_id, c.token, SCENARIO_1);
    expect(offered.awaiting).toMatchObject({ kind: 'confirmation', order_id: 'ORD-8842', amount: 89.99 });
    expect(offered.reply).toContain('I can refund $89.99 for order ORD-8842 to your original payment method');
    expect(offered.reply).not.toMatch(/couldn't|could not|failed/i);
    expect(await refundsOf(h, 'ORD-8842')).toEqual([]);
    const done = await h.runtime.sendMessage(c.conversation_id, c.token, 'Yes, go ahead.');
    expect(done.state).toBe('resolved');
    expect(done.reply).toMatch(/^Done: I've refunded \$89\.99 for order ORD-8842/);
    expect(done.reply).not.toMatch(/couldn't|could not|failed/i);
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
    // the model was told in a note what the yes did
    const lastRequest = JSON.stringify(fake.requests.at(-1)?.body.messages ?? []);
    expect(lastRequest).toContain('[note] The customer confirmed the refund offer for ORD-8842');
  });
});

describe('runtime + claude adapter + fake API: SEED scenario 1 with an honest model', () => {
  it('refunds ORD-8842 exactly once, in at most 4 model calls, and resolves the conversation', async () => {
    const { fake, h } = await setup(honestRefundModel);
    const { result } = await send(h, SCENARIO_1);

    const refunds = await refundsOf(h, 'ORD-8842');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.amount).toBe(89.99);
    expect(result.status).toBe('resolved');
    expect(fake.requests.length).toBeLessThanOrEqual(4);
    expect(result.usage.modelCalls).toBe(fake.requests.length);
    expect(result.reply).toMatch(/refund/i);

    // verification and lookup were proposed together, and each got its own decision
    const first = fake.requests[1]?.body.messages.at(-1);
    const results = Array.isArray(first?.content) ? first.content.filter((b) => b.type === 'tool_result') : [];
    expect(results).toHaveLength(2);
    const proposals = await proposalsOf(h, result.conversation_id);
    expect(proposals.map((p) => [p.tool, p.decision])).toEqual([
      ['get_customer', 'accepted'],
      ['lookup_order', 'accepted'],
      ['process_refund', 'accepted'],
    ]);

    // tokens are reported per turn; what the fake billed is what the runtime recorded
    const billed = fake.usage.reduce(
      (a, u) => ({
        in: a.in + u.input_tokens,
        out: a.out + u.output_tokens,
        read: a.read + u.cache_read_input_tokens,
        write: a.write + u.cache_creation_input_tokens,
      }),
      { in: 0, out: 0, read: 0, write: 0 },
    );
    expect(result.usage).toMatchObject({
      inputTokens: billed.in,
      outputTokens: billed.out,
      cacheReadTokens: billed.read,
      cacheWriteTokens: billed.write,
    });
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    console.info(
      `[measured against the FAKE API] scenario 1 (JSON): ${JSON.stringify({ fakeRequests: fake.requests.length, ...result.usage })}`,
    );
  });

  it('streams the reply as several text events when asked to, with the same outcome', async () => {
    const { fake, h } = await setup(honestRefundModel);
    const { result, events } = await send(h, SCENARIO_1, true);

    expect(fake.requests.every((r) => r.body.stream === true)).toBe(true);
    const texts = events.filter((e): e is Extract<TurnEvent, { type: 'text' }> => e.type === 'text');
    expect(texts.length).toBeGreaterThan(2);
    expect(texts.map((t) => t.text).join('')).toContain('refund');
    expect(events.filter((e) => e.type === 'tool_call').map((e) => (e.type === 'tool_call' ? e.name : ''))).toEqual([
      'get_customer',
      'lookup_order',
      'process_refund',
    ]);
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
    expect(result.status).toBe('resolved');
    expect(fake.requests.length).toBeLessThanOrEqual(4);
    console.info(
      `[measured against the FAKE API] scenario 1 (stream): ${JSON.stringify({ fakeRequests: fake.requests.length, ...result.usage })}`,
    );
  });

  it('sends the same cached prefix on every call of the conversation', async () => {
    const { fake, h } = await setup(honestRefundModel);
    await send(h, SCENARIO_1);
    const prefixes = new Set(fake.requests.map((r) => JSON.stringify([r.body.tools, r.body.system])));
    expect(prefixes.size).toBe(1);
    // every call's last user message ends with the current state note
    const notes = fake.requests.map((r) => {
      const last = r.body.messages.at(-1)?.content;
      const block = Array.isArray(last) ? last.at(-1) : undefined;
      return String(block?.text ?? '');
    });
    expect(notes.every((n) => n.startsWith('[state note]'))).toBe(true);
    expect(notes[0]).toContain('state: unverified');
    expect(notes.at(-1)).not.toContain('state: unverified');
  });
});

describe('runtime + claude adapter + fake API: hostile models', () => {
  const cases: Array<[keyof typeof hostileModels, string]> = [
    ['refundBeforeVerification', SCENARIO_1],
    ['refundOrderNotLookedUp', SCENARIO_1],
    [
      'refundOtherCustomersOrder',
      'Email marcus@example.com. My blender from order ORD-8842 arrived broken, refund it.',
    ],
    ['wrongAmount', SCENARIO_1],
    ['doubleRefundInOneResponse', SCENARIO_1],
    ['unknownTool', SCENARIO_1],
    ['invalidToolJson', SCENARIO_1],
  ];
  const expectedRefunds: Record<keyof typeof hostileModels, number> = {
    refundBeforeVerification: 0,
    refundOrderNotLookedUp: 0,
    refundOtherCustomersOrder: 0,
    wrongAmount: 0,
    doubleRefundInOneResponse: 1,
    unknownTool: 0,
    invalidToolJson: 0,
  };

  for (const stream of [false, true])
    it.each(cases)(`keeps the invariants against %s (${stream ? 'stream' : 'JSON'})`, async (name, message) => {
      let proposed = 0;
      const model: FakeModel = hostileModels[name];
      const { fake, h } = await setup((body) => {
        const reply = model(body);
        if ('content' in reply) proposed += reply.content.filter((b) => b.type === 'tool_use').length;
        return reply;
      });
      const { result } = await send(h, message, stream);

      expect(result.reply.length).toBeGreaterThan(0);
      expect(result.usage.modelCalls).toBeLessThanOrEqual(8);
      expect(fake.requests.length).toBe(result.usage.modelCalls);
      expect(await refundsOf(h)).toHaveLength(expectedRefunds[name]);
      await expectRefundInvariants(h);

      // every proposal the model made is in the audit log with a decision (I11)
      const proposals = await proposalsOf(h, result.conversation_id);
      expect(proposals).toHaveLength(proposed);
      const refundDecisions = proposals.filter((p) => p.tool === 'process_refund').map((p) => p.decision);

      if (name === 'refundOtherCustomersOrder') {
        expect(result.status).toBe('escalated');
        expect((await ticketsOf(h, result.conversation_id)).map((t) => t.priority)).toContain('P1');
        expect(result.reply).not.toMatch(/blender|sarah|89\.99/i);
      }
      if (name === 'doubleRefundInOneResponse') expect(refundDecisions.filter((d) => d === 'accepted')).toHaveLength(1);
      if (name === 'unknownTool')
        expect(proposals.map((p) => [p.tool, p.decision])).toEqual([
          ['issue_gift_card', 'rejected'],
          [INVALID_TOOL_NAME, 'rejected'],
        ]);
      if (name === 'invalidToolJson') {
        const refund = proposals.find((p) => p.tool === 'process_refund');
        expect(refund).toMatchObject({ decision: 'rejected', code: 'INVALID_INPUT', input: {} });
      }
      if (['refundBeforeVerification', 'refundOrderNotLookedUp', 'wrongAmount'].includes(name))
        expect(refundDecisions).toEqual(['rejected']);
    });
});

describe('runtime + claude adapter + fake API: the model is unavailable', () => {
  it.each([false, true])(
    'ends the turn with a graceful reply after bounded retries, and the conversation continues (stream: %s)',
    async (stream) => {
      let model: FakeModel = alwaysError(529, 'overloaded_error', 'Overloaded');
      const { fake, h } = await setup((body) => model(body), { maxRetries: 1 });
      const c = await h.runtime.createConversation();
      const events: TurnEvent[] = [];
      const first = await h.runtime.sendMessage(
        c.conversation_id,
        c.token,
        SCENARIO_1,
        stream ? { stream: true, onEvent: (e) => events.push(e) } : {},
      );

      expect(first.reply).toBe(UNAVAILABLE_REPLY);
      expect(fake.requests).toHaveLength(2); // one call, retried once
      expect(first.status).toBe('open');
      expect(await refundsOf(h)).toHaveLength(0);
      // nothing of the failure reaches the customer (the runtime does not emit its fallback as a text event: see the report)
      if (stream) expect(JSON.stringify(events)).not.toMatch(/overloaded|529/i);
      const view = await h.runtime.getConversation(c.conversation_id, c.token);
      expect(view.state).toBe('unverified');
      expect(JSON.stringify(view)).not.toMatch(/overloaded|529/i);

      model = honestRefundModel;
      const second = await h.runtime.sendMessage(
        c.conversation_id,
        c.token,
        'Are you there? Please refund my blender.',
        stream ? { stream: true } : {},
      );
      expect(second.status).toBe('resolved');
      expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
    },
  );

  it('executes nothing from a stream cut in the middle of a refund proposal', async () => {
    let cut = false;
    const cutRefund: FakeModel = (body) => {
      const reply = honestRefundModel(body);
      const proposesRefund =
        'content' in reply && reply.content.some((b) => b.type === 'tool_use' && b.name === 'process_refund');
      if (!proposesRefund || cut) return reply;
      // the refund proposal, cut inside its tool input, once
      cut = true;
      return { ...reply, chunkSize: 5, truncateAfter: 8 };
    };
    const { h } = await setup(cutRefund);
    const c = await h.runtime.createConversation();
    const first = await h.runtime.sendMessage(c.conversation_id, c.token, SCENARIO_1, { stream: true });
    expect(first.reply).toContain(UNAVAILABLE_REPLY);
    expect(await refundsOf(h)).toHaveLength(0);
    expect(first.state).toBe('refund-eligible');

    const second = await h.runtime.sendMessage(c.conversation_id, c.token, 'Hello? Did the refund go through?', {
      stream: true,
    });
    expect(second.status).toBe('resolved');
    expect(await refundsOf(h, 'ORD-8842')).toHaveLength(1);
  });
});

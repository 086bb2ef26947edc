/** The five SEED.md scenarios through the HTTP API with the offline model (issue 2's acceptance). */
import { afterEach, describe, expect, it } from 'vitest';
import { createOfflineModel } from '../../src/models/offline.js';
import { createClaudeModel } from '../../src/models/claude.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { honestRefundModel } from '../support/fake-models.js';
import { bearer, buildApi, json, startConversation, type ApiFixture } from './api-harness.js';

const ADMIN = 'operator-token-0123456789';
// test-side reading of documented JSON bodies (the schemas are checked in conversations.test.ts)
const body = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
let api: ApiFixture;
let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await api?.close();
  await fake?.close();
  fake = undefined;
});

async function scenario(message: string) {
  api = await buildApi(createOfflineModel(), { adminToken: ADMIN });
  const conv = await startConversation(api.app);
  const res = await api.app.request(
    `/api/conversations/${conv.conversation_id}/messages`,
    json({ message }, bearer(conv.token)),
  );
  expect(res.status).toBe(200);
  const reply = await body(res);
  const refunds = (await body(api.app.request('/api/refunds', { headers: bearer(ADMIN) }))).refunds.filter(
    (r: { conversation_id: string }) => r.conversation_id === conv.conversation_id,
  );
  const tickets = (await body(api.app.request('/api/tickets', { headers: bearer(ADMIN) }))).tickets.filter(
    (t: { conversation_id: string }) => t.conversation_id === conv.conversation_id,
  );
  const view = await body(
    api.app.request(`/api/conversations/${conv.conversation_id}`, { headers: bearer(conv.token) }),
  );
  return { body: reply, refunds, tickets, view };
}

describe('SEED scenarios over HTTP with the offline model', () => {
  it('1: refunds ORD-8842 once, resolved, no ticket, every proposal in the audit view', async () => {
    const r = await scenario(
      'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.',
    );
    expect(r.body.status).toBe('resolved');
    expect(r.refunds.map((x: { order_id: string; amount: number }) => [x.order_id, x.amount])).toEqual([
      ['ORD-8842', 89.99],
    ]);
    expect(r.tickets).toEqual([]);
    expect(r.view.proposals.map((p: { tool: string; decision: string }) => [p.tool, p.decision])).toEqual([
      ['get_customer', 'accepted'],
      ['lookup_order', 'accepted'],
      ['process_refund', 'accepted'],
    ]);
    expect(r.view.proposals.every((p: { reason: string }) => p.reason.length > 0)).toBe(true);
  });

  it.each([
    ['2', 'Email james@example.com. This is absolutely unacceptable. I want a manager NOW.'],
    ['3', 'Email sarah@example.com. I want to talk to a real person please.'],
  ])('%s: escalates P1', async (_n, message) => {
    const r = await scenario(message);
    expect(r.body.status).toBe('escalated');
    expect(r.tickets.map((t: { priority: string }) => t.priority)).toEqual(['P1']);
    expect(r.refunds).toEqual([]);
  });

  it('4: no refund, and the policy explained in plain language', async () => {
    const r = await scenario('Email marcus@example.com. I want to return order ORD-9901 from 45 days ago.');
    expect(r.refunds).toEqual([]);
    expect(r.body.reply).toMatch(/subscription/i);
    expect(r.body.reply).not.toMatch(/[A-Z]{3,}_[A-Z]+|\$150|USR-/);
  });

  it("5: no refund, a P1 ticket, and nothing of the other customer's order", async () => {
    const r = await scenario('Email marcus@example.com. Check order ORD-8842 please.');
    expect(r.refunds).toEqual([]);
    expect(r.tickets.map((t: { priority: string }) => t.priority)).toEqual(['P1']);
    for (const secret of ['Blender', 'blender', '89.99', 'Sarah', 'sarah@', 'USR-001']) {
      expect(JSON.stringify(r.body)).not.toContain(secret);
      expect(JSON.stringify(r.view)).not.toContain(secret);
    }
  });
});

describe('usage over HTTP with the Claude adapter (against the local fake)', () => {
  it('records tokens and model calls per conversation and totals them in the operator health', async () => {
    fake = await startFakeAnthropic((body) => honestRefundModel(body));
    api = await buildApi(
      createClaudeModel({ apiKey: 'test', baseURL: fake.url, maxRetries: 0, model: 'claude-sonnet-4-6' }),
      {
        adminToken: ADMIN,
      },
    );
    const conv = await startConversation(api.app);
    const res = await api.app.request(
      `/api/conversations/${conv.conversation_id}/messages`,
      json(
        { message: 'Hi, email sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.' },
        bearer(conv.token),
      ),
    );
    const turn = await body(res);
    expect(turn.status).toBe('resolved');
    expect(turn.usage.modelCalls).toBeLessThanOrEqual(4);
    const view = await body(
      api.app.request(`/api/conversations/${conv.conversation_id}`, { headers: bearer(conv.token) }),
    );
    expect(view.usage.modelCalls).toBe(turn.usage.modelCalls);
    expect(view.usage.inputTokens).toBeGreaterThan(0);
    expect(view.usage.cacheReadTokens + view.usage.cacheWriteTokens).toBeGreaterThan(0);
    // process-wide totals are operator information (GET /api/operator/health)
    const health = await body(api.app.request('/api/operator/health', { headers: bearer(ADMIN) }));
    expect(health.usage.modelCalls).toBe(turn.usage.modelCalls);
    expect(health.usage.outputTokens).toBe(view.usage.outputTokens);
  });
});

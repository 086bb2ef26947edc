import { afterEach, describe, expect, it } from 'vitest';
import { text, toolUse } from '../support/scripted-model.js';
import { z } from 'zod';
import { RefundSchema, TicketSchema } from '../../src/api/schemas.js';
import { bearer, buildApi, expectProblem, json, readJson, startConversation, type ApiFixture } from './api-harness.js';

const ADMIN = 'operator-secret-0123456789abcdef';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

describe('operator endpoints', () => {
  it('answers 401 with WWW-Authenticate without the operator token or with a wrong one', async () => {
    fx = await buildApi([], { adminToken: ADMIN });
    for (const path of ['/api/refunds', '/api/tickets']) {
      const none = await fx.app.request(path);
      await expectProblem(none, 401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      await expectProblem(await fx.app.request(path, { headers: bearer(`${ADMIN}x`) }), 401);
      await expectProblem(await fx.app.request(path, { headers: { Authorization: ADMIN } }), 401);
    }
  });

  it('lists every refund and ticket for the operator', async () => {
    fx = await buildApi(
      [
        [toolUse('get_customer', { email: 'sarah@example.com' })],
        [toolUse('lookup_order', { order_id: 'ORD-8842' })],
        [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
        [text('Your refund is done.')],
      ],
      { adminToken: ADMIN },
    );
    const c = await startConversation(fx.app);
    const sent = await fx.app.request(
      `/api/conversations/${c.conversation_id}/messages`,
      json({ message: 'sarah@example.com, my blender ORD-8842 arrived broken, refund please' }, bearer(c.token)),
    );
    expect(sent.status).toBe(200);

    const refunds = await fx.app.request('/api/refunds', { headers: bearer(ADMIN) });
    expect(refunds.status).toBe(200);
    const { refunds: list } = await readJson(refunds, z.strictObject({ refunds: z.array(RefundSchema) }));
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ order_id: 'ORD-8842', conversation_id: c.conversation_id, amount: 89.99 }),
      ]),
    );

    const tickets = await fx.app.request('/api/tickets', { headers: bearer(ADMIN) });
    expect(tickets.status).toBe(200);
    await readJson(tickets, z.strictObject({ tickets: z.array(TicketSchema) }));
  });

  it('answers 404 saying how to enable them when no admin token is configured', async () => {
    fx = await buildApi([], { adminToken: null });
    for (const path of ['/api/refunds', '/api/tickets']) {
      const problem = await expectProblem(await fx.app.request(path, { headers: bearer('anything') }), 404);
      expect(problem.detail).toBe('operator endpoints are disabled; set SUPPORT_ADMIN_TOKEN or add an operator');
    }
  });
});

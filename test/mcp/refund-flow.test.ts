import { afterEach, describe, expect, it } from 'vitest';
import { toolSpecs } from '../../src/tools/to-anthropic.js';
import {
  buildMcpApi,
  call,
  latestCode,
  newMcpConversation,
  textOf,
  verifyByCode,
  type McpFixture,
} from './mcp-harness.js';

let fx: McpFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

async function refundsOf(f: McpFixture, orderId: string) {
  return (await f.h.runtime.listRefunds()).filter((r) => r.order_id === orderId);
}

describe('MCP tools', () => {
  it('lists the MCP tools with the very descriptions and JSON Schemas the chat model gets', async () => {
    fx = await buildMcpApi();
    const { client } = await newMcpConversation(fx);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'get_customer',
      'verify_code',
      'lookup_order',
      'process_refund',
      'escalate_to_human',
      'confirm_refund',
    ]);
    const specs = toolSpecs(fx.h.runtime.toolset, 'mcp');
    for (const tool of tools) {
      const spec = specs.find((s) => s.name === tool.name);
      expect(tool.description).toBe(spec?.description);
      expect(tool.inputSchema).toEqual(spec?.input_schema);
    }
    // the chat's tools are the same definitions, less the MCP-only confirm_refund
    expect(toolSpecs(fx.h.runtime.toolset, 'chat').map((s) => s.name)).not.toContain('confirm_refund');
  });
});

describe('a scripted MCP client (I13, I16)', () => {
  it('gets ORD-8842 refunded exactly once: code from the mailbox, then confirm_refund for the open offer', async () => {
    fx = await buildMcpApi();
    const { client, conversation_id, token } = await newMcpConversation(fx);
    await verifyByCode(fx, client);

    const order = await call(client, 'lookup_order', { order_id: 'ORD-8842' });
    expect(order.isError).toBe(false);
    expect(order.structuredContent).toMatchObject({ order_id: 'ORD-8842', refund_eligible: true });

    const offer = await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
    expect(offer.isError).toBe(false);
    expect(offer.structuredContent).toMatchObject({
      status: 'awaiting_confirmation',
      order_id: 'ORD-8842',
      awaiting: { kind: 'confirmation', order_id: 'ORD-8842', amount: 89.99 },
    });
    const awaiting = (offer.structuredContent as { awaiting: { offer_id: string; text: string } }).awaiting;
    // a client without elicitation is told to ask the customer exactly the offer, then confirm that offer id
    expect(textOf(offer)).toContain(awaiting.text);
    expect(textOf(offer)).toContain(awaiting.offer_id);
    expect(await refundsOf(fx, 'ORD-8842')).toHaveLength(0); // nothing before the yes

    const done = await call(client, 'confirm_refund', { offer_id: awaiting.offer_id });
    expect(done.isError, textOf(done)).toBe(false);
    expect(done.structuredContent).toMatchObject({ status: 'processed', amount: '$89.99' });

    const again = await call(client, 'confirm_refund', { offer_id: awaiting.offer_id });
    expect(again.isError).toBe(true);
    const twice = await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
    expect(twice.isError).toBe(true);
    const refunds = await refundsOf(fx, 'ORD-8842');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.amount).toBe(89.99);

    // I11: every call is on the record, as an MCP proposal
    const view = await fx.h.runtime.getConversation(conversation_id, token);
    expect(view.proposals.map((p) => [p.tool, p.decision, p.source])).toEqual([
      ['get_customer', 'accepted', 'mcp'],
      ['verify_code', 'accepted', 'mcp'],
      ['lookup_order', 'accepted', 'mcp'],
      ['process_refund', 'accepted', 'mcp'],
      ['confirm_refund', 'accepted', 'mcp'],
      ['confirm_refund', 'rejected', 'mcp'],
      ['process_refund', 'rejected', 'mcp'],
    ]);
    expect(view.status).toBe('resolved');
  });

  it('asks the customer through elicitation when the client can, and refunds on their yes', async () => {
    fx = await buildMcpApi();
    const { client, elicited, conversation_id, token } = await newMcpConversation(fx, () => ({
      action: 'accept',
      content: { answer: 'yes' },
    }));
    await verifyByCode(fx, client);
    await call(client, 'lookup_order', { order_id: 'ORD-8842' });

    const result = await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
    expect(result.isError, textOf(result)).toBe(false);
    expect(elicited).toEqual([
      'I can refund $89.99 for order ORD-8842 to your original payment method. ' +
        'Shall I go ahead? Please answer yes or no.',
    ]);
    expect(result.structuredContent).toMatchObject({ status: 'processed', order_id: 'ORD-8842', amount: 89.99 });
    const refunds = await refundsOf(fx, 'ORD-8842');
    expect(refunds).toHaveLength(1);
    expect(result.structuredContent).toMatchObject({ refund_id: refunds[0]?.refund_id });
    expect(textOf(result)).toContain(refunds[0]?.refund_id);

    const view = await fx.h.runtime.getConversation(conversation_id, token);
    expect(view.status).toBe('resolved');
    expect(view.proposals.filter((p) => p.tool === 'confirm_refund')).toHaveLength(0); // the yes was the customer's
  });

  it("asks for a supervisor above the limit: the customer's yes opens an approval request (I14)", async () => {
    fx = await buildMcpApi();
    const { client, elicited } = await newMcpConversation(fx, () => ({ action: 'accept', content: { answer: 'yes' } }));
    await verifyByCode(fx, client, 'james@example.com');
    await call(client, 'lookup_order', { order_id: 'ORD-7771' });
    const result = await call(client, 'process_refund', { order_id: 'ORD-7771', reason: 'not_received' });
    expect(elicited[0]).toMatch(/needs a specialist's approval/);
    expect(result.structuredContent).toMatchObject({
      status: 'awaiting_approval',
      order_id: 'ORD-7771',
      awaiting: { kind: 'approval', order_id: 'ORD-7771' },
    });
    expect(await refundsOf(fx, 'ORD-7771')).toHaveLength(0);
    expect(textOf(result)).not.toMatch(/150/); // the limit figure is never told (I7)
  });

  it('refunds nothing when the customer answers no, and keeps the offer open when they dismiss it', async () => {
    fx = await buildMcpApi();
    const answers: Array<'no' | 'cancel'> = ['cancel', 'no'];
    const { client } = await newMcpConversation(fx, () => {
      const next = answers.shift();
      return next === 'cancel' ? { action: 'cancel' } : { action: 'accept', content: { answer: 'no' } };
    });
    await verifyByCode(fx, client);
    await call(client, 'lookup_order', { order_id: 'ORD-8842' });

    const dismissed = await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
    expect(dismissed.structuredContent).toMatchObject({ status: 'awaiting_confirmation' });
    const offerId = (dismissed.structuredContent as { awaiting: { offer_id: string } }).awaiting.offer_id;

    // with elicitation, confirm_refund asks the customer again: the client's model cannot say yes for them
    const declined = await call(client, 'confirm_refund', { offer_id: offerId });
    expect(declined.structuredContent).toMatchObject({ status: 'declined_by_customer', order_id: 'ORD-8842' });
    expect(await refundsOf(fx, 'ORD-8842')).toHaveLength(0);
    const stale = await call(client, 'confirm_refund', { offer_id: offerId });
    expect(stale.isError).toBe(true);
    expect(await refundsOf(fx, 'ORD-8842')).toHaveLength(0);
  });

  it('reads the code from GET /api/operator/mailbox only with the operator token', async () => {
    fx = await buildMcpApi();
    const { client } = await newMcpConversation(fx);
    await call(client, 'get_customer', { email: 'sarah@example.com' });
    expect(await latestCode(fx, 'sarah@example.com')).toMatch(/^\d{6}$/);
    const anonymous = await fx.app.request('/api/operator/mailbox');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fx.app.request('/api/operator/mailbox', { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });
});

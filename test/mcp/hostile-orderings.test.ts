import { afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CODE_TTL_MS } from '../../src/effects/verification-code.js';
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

/** Internal error codes and invariant ids never reach the client (I7). */
const INTERNAL = /\b[A-Z]{2,}_[A-Z_]{2,}\b|\bI\d{1,2}\b|\bat .*:\d+:\d+|\.ts\b/;

function expectRefused(result: CallToolResult, sentence: RegExp) {
  expect(result.isError).toBe(true);
  expect(textOf(result)).toMatch(sentence);
  expect(textOf(result)).not.toMatch(INTERNAL);
  expect(JSON.stringify(result.structuredContent)).not.toMatch(INTERNAL);
}

/** Refunds made by conversations (the demo data seeds some already-refunded orders). */
async function newRefunds(f: McpFixture) {
  return (await f.h.runtime.listRefunds()).filter((r) => r.conversation_id !== 'seed');
}

async function noRefunds(f: McpFixture) {
  expect(await newRefunds(f)).toEqual([]);
}

describe('hostile orderings over MCP are refused, recorded and refund nothing', () => {
  it('refuses process_refund before verification (I1)', async () => {
    fx = await buildMcpApi();
    const { client, conversation_id, token } = await newMcpConversation(fx);
    expectRefused(await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' }), /verif/i);
    expectRefused(await call(client, 'lookup_order', { order_id: 'ORD-8842' }), /verif/i);
    await noRefunds(fx);
    const view = await fx.h.runtime.getConversation(conversation_id, token);
    expect(view.proposals.map((p) => [p.tool, p.decision, p.source])).toEqual([
      ['process_refund', 'rejected', 'mcp'],
      ['lookup_order', 'rejected', 'mcp'],
    ]);
  });

  it('refuses lookup_order between get_customer and the code, and shows nothing of the account (I16)', async () => {
    fx = await buildMcpApi();
    const { client } = await newMcpConversation(fx);
    const sent = await call(client, 'get_customer', { email: 'sarah@example.com' });
    expect(JSON.stringify(sent)).not.toMatch(/Sarah|Chen|USR-/);
    // an address not on file gets the very same answer
    const unknown = await call(client, 'get_customer', { email: 'nobody@example.com' });
    expect(unknown.structuredContent).toEqual(sent.structuredContent);
    expectRefused(await call(client, 'lookup_order', { order_id: 'ORD-8842' }), /code/i);
    expectRefused(await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' }), /code|verif/i);
    await noRefunds(fx);
  });

  it('refuses a wrong code, then an expired right one, when the runtime clock has moved on', async () => {
    fx = await buildMcpApi();
    const { client } = await newMcpConversation(fx);
    await call(client, 'get_customer', { email: 'sarah@example.com' });
    const code = await latestCode(fx, 'sarah@example.com');
    const wrong = code === '000000' ? '111111' : '000000';
    const refused = await call(client, 'verify_code', { code: wrong });
    expectRefused(refused, /not right/i);
    expect(refused.structuredContent).toMatchObject({ verified: false });

    fx.advance(CODE_TTL_MS + 60_000);
    const expired = await call(client, 'verify_code', { code });
    expectRefused(expired, /expired/i);
    expectRefused(await call(client, 'lookup_order', { order_id: 'ORD-8842' }), /code/i);
    await noRefunds(fx);
  });

  it("refuses another customer's order without showing any of it, and ends autonomous writes (I5)", async () => {
    fx = await buildMcpApi();
    const { client } = await newMcpConversation(fx);
    await verifyByCode(fx, client);
    const missing = await call(client, 'lookup_order', { order_id: 'ORD-0000' });
    const foreign = await call(client, 'lookup_order', { order_id: 'ORD-9901' });
    expect(foreign.isError).toBe(true);
    expect(JSON.stringify(foreign)).not.toMatch(/Coffee|Marcus|49\.00|USR-002/);
    // the same answer as an order that does not exist
    expect(textOf(foreign)).toMatch(/No order ORD-9901 was found/);
    expect(textOf(missing).replace('ORD-0000', 'X')).toBe(textOf(foreign).replace('ORD-9901', 'X'));

    expectRefused(await call(client, 'process_refund', { order_id: 'ORD-9901', reason: 'damaged' }), /./);
    await call(client, 'lookup_order', { order_id: 'ORD-8842' });
    expectRefused(await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' }), /./);
    await noRefunds(fx);
    const tickets = await fx.h.runtime.listTickets();
    expect(tickets.map((t) => t.priority)).toEqual(['P1']);
  });

  it('refuses confirm_refund for any offer id but the open one, and before there is an offer (I13)', async () => {
    fx = await buildMcpApi();
    const { client } = await newMcpConversation(fx);
    await verifyByCode(fx, client);
    expectRefused(await call(client, 'confirm_refund', { offer_id: 'offer_made_up' }), /no refund offer/i);
    await call(client, 'lookup_order', { order_id: 'ORD-8842' });
    const offer = await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
    const offerId = (offer.structuredContent as { awaiting: { offer_id: string } }).awaiting.offer_id;
    expectRefused(await call(client, 'confirm_refund', { offer_id: `${offerId}x` }), /not the open offer/i);
    expectRefused(await call(client, 'confirm_refund', { offer_id: 'offer_made_up' }), /not the open offer/i);
    await noRefunds(fx);
    // the right one still works afterwards
    const done = await call(client, 'confirm_refund', { offer_id: offerId });
    expect(done.isError, textOf(done)).toBe(false);
    expect(await newRefunds(fx)).toHaveLength(1);
  });

  it('records malformed inputs, model-chosen amounts and unknown tools as refusals (I3, I11)', async () => {
    fx = await buildMcpApi();
    const { client, conversation_id, token } = await newMcpConversation(fx);
    await verifyByCode(fx, client);
    await call(client, 'lookup_order', { order_id: 'ORD-8842' });
    expectRefused(await call(client, 'process_refund', { order_id: 'ORD-8842' }), /Invalid input for process_refund/);
    expectRefused(
      await call(client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged', amount: 500 }),
      /amount/i,
    );
    expectRefused(await call(client, 'refund_everything', {}), /no such tool/i);
    expectRefused(await call(client, 'verify_code', { code: 'x'.repeat(9_000) }), /./);
    await noRefunds(fx);
    const view = await fx.h.runtime.getConversation(conversation_id, token);
    const refused = view.proposals.filter((p) => p.decision === 'rejected');
    expect(refused.map((p) => p.tool)).toEqual(expect.arrayContaining(['process_refund', 'verify_code']));
    expect(refused.length).toBeGreaterThanOrEqual(4);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Backends } from '../../src/backends/types.js';
import { MCP_ERROR } from '../../src/mcp/results.js';
import {
  buildMcpApi,
  call,
  connect,
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

/** Payments whose first refund waits until released: the confirming call provably holds the lease. */
function gatedPayments() {
  let entered: () => void = () => {};
  let release: () => void = () => {};
  const inRefund = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  const wrap = (b: Backends): Backends => ({
    ...b,
    payments: {
      ...b.payments,
      async refund(request) {
        entered();
        await gate;
        return b.payments.refund(request);
      },
    },
  });
  return { wrap, inRefund, release };
}

/** Two clients of one conversation (two MCP sessions, one token), verified, with an open offer. */
async function twoClientsWithAnOffer(f: McpFixture) {
  const a = await newMcpConversation(f);
  const b = await connect(f, { conversationId: a.conversation_id, token: a.token });
  expect(b.transport.sessionId).not.toBe(a.transport.sessionId);
  await verifyByCode(f, a.client);
  await call(b.client, 'lookup_order', { order_id: 'ORD-8842' });
  const offer = await call(a.client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' });
  const offerId = (offer.structuredContent as { awaiting: { offer_id: string } }).awaiting.offer_id;
  return { a, b, offerId };
}

const refundsOf8842 = async (f: McpFixture) =>
  (await f.h.runtime.listRefunds()).filter((r) => r.order_id === 'ORD-8842');

describe('two MCP clients racing on one conversation (I4)', () => {
  it('answers the second client busy as an MCP error while the first holds the lease, and refunds once', async () => {
    const gated = gatedPayments();
    fx = await buildMcpApi({ wrapBackends: gated.wrap });
    const { a, b, offerId } = await twoClientsWithAnOffer(fx);

    const first = call(a.client, 'confirm_refund', { offer_id: offerId });
    await gated.inRefund;
    const second = await call(b.client, 'confirm_refund', { offer_id: offerId }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(McpError);
    expect((second as McpError).code).toBe(MCP_ERROR.busy);
    expect((second as McpError).message).toMatch(/still being answered/);
    gated.release();

    const done = await first;
    expect(done.isError, textOf(done)).toBe(false);
    expect(done.structuredContent).toMatchObject({ status: 'processed' });
    expect(await refundsOf8842(fx)).toHaveLength(1);
    // the busy client's session is intact: it is now told the offer is gone
    const late = await call(b.client, 'confirm_refund', { offer_id: offerId });
    expect(late.isError).toBe(true);
    expect(await refundsOf8842(fx)).toHaveLength(1);
    expect(fx.unexpected).toEqual([]);
  });

  it('gives one refund when both clients confirm at the same moment, and neither crashes', async () => {
    fx = await buildMcpApi();
    const { a, b, offerId } = await twoClientsWithAnOffer(fx);
    const settled = await Promise.allSettled([
      call(a.client, 'confirm_refund', { offer_id: offerId }),
      call(b.client, 'confirm_refund', { offer_id: offerId }),
      call(a.client, 'process_refund', { order_id: 'ORD-8842', reason: 'damaged' }),
    ]);
    const processed = settled.filter(
      (s): s is PromiseFulfilledResult<CallToolResult> =>
        s.status === 'fulfilled' &&
        (s.value.structuredContent as { status?: string } | undefined)?.status === 'processed',
    );
    expect(processed).toHaveLength(1);
    for (const s of settled) {
      if (s.status === 'rejected') expect((s.reason as McpError).code).toBe(MCP_ERROR.busy);
    }
    expect(await refundsOf8842(fx)).toHaveLength(1);
    expect(fx.unexpected).toEqual([]);
  });
});

import { z } from 'zod';
import { describeRefundStep } from './describe-refund.js';
import { defineTool } from './types.js';

const input = z.object({
  offer_id: z
    .string()
    .min(1)
    .max(100)
    .describe('The id of the refund offer the customer accepted (from process_refund)'),
});

/**
 * MCP only (I13): the customer's yes to the open offer when the MCP client cannot ask them through
 * elicitation. Accepted only for the open offer's id; a chat model never has this tool.
 */
export const confirmRefundTool = defineTool({
  name: 'confirm_refund',
  kind: 'decision',
  sources: ['mcp'],
  description:
    "Confirm the open refund offer on the customer's behalf, only after the customer said yes to that exact offer " +
    '(order, amount, destination). Takes only the open offer id.',
  input,
  toEvent: (i, _ctx, env) => ({
    type: 'propose.confirm_refund',
    offerId: i.offer_id.trim(),
    via: env.via,
    at: env.now.toISOString(),
  }),
  probe: (ctx, env) =>
    ctx.offer
      ? [{ type: 'propose.confirm_refund', offerId: ctx.offer.offerId, via: env.via, at: env.now.toISOString() }]
      : [],
  visible: (r) => r,
  judge: null,
  refresh: null,
  describe: (accepted) => describeRefundStep(accepted),
});

import { z } from 'zod';
import { ESCALATION_REASONS, PRIORITIES } from '../machines/conversation.context.js';
import { expectedWait } from './describe-refund.js';
import { normaliseOrderId } from './order-ids.js';
import { defineTool } from './types.js';

const input = z.object({
  reason: z.enum(ESCALATION_REASONS).describe('Why a human is needed'),
  priority: z
    .enum(PRIORITIES)
    .describe(
      'P1 urgent (safety, distress, legal, security, asked for a human), P2 high (approval, failures), P3 normal',
    ),
  context: z
    .string()
    .min(1)
    .max(2000)
    .describe('Two or three sentences for the human agent: who, what, what was tried'),
  order_id: z.string().max(64).optional().describe('The order concerned, if any'),
});

export const escalateToHumanTool = defineTool({
  name: 'escalate_to_human',
  kind: 'decision',
  sources: ['chat', 'mcp'],
  description:
    'Hand the conversation to a human agent by opening a ticket. After this, no refunds can be made in this ' +
    'conversation; tell the customer a person will follow up.',
  input,
  toEvent: (i) => ({
    type: 'propose.escalate',
    reason: i.reason,
    priority: i.priority,
    summary: i.context,
    orderId: i.order_id ? normaliseOrderId(i.order_id) : null,
  }),
  probe: () => [{ type: 'propose.escalate', reason: 'complexity', priority: 'P3', summary: 'probe', orderId: null }],
  visible: (r) => r,
  judge: null,
  refresh: null,
  describe: ({ after, outcomes }) => {
    const ticket = outcomes.find((o) => o.kind === 'ticket');
    const esc = after.escalation;
    const r = {
      ticket_id: ticket?.status === 'done' ? ticket.ticketId : (esc?.ticketId ?? null),
      status: 'open',
      priority: esc?.priority ?? 'P2',
      estimated_response_time: expectedWait(esc?.priority ?? 'P2'),
    };
    return { forModel: r, forCustomer: r, isError: false, progressed: true };
  },
});

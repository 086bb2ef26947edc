/**
 * Builders for offline-planner tests: a message history as the runtime hands it to the model
 * (customer texts, the planner's tool calls with their results, its replies, handback notes), and
 * state facts. Each test builds its own.
 */
import { analyse } from '../../src/models/offline/conversation.js';
import { planTools } from '../../src/models/offline/planner.js';
import { composeReply } from '../../src/models/offline/replies.js';
import type { ModelMessage, StateFacts } from '../../src/models/types.js';
import { startFacts } from '../support/fake-models.js';

export type OrderFact = StateFacts['orders'][number];

export const SARAH = { name: 'Sarah Chen', email: 'sarah@example.com', status: 'active' };

export function order(orderId: string, over: Partial<OrderFact> = {}): OrderFact {
  return {
    orderId,
    owned: true,
    eligible: true,
    ineligibleExplanation: null,
    refundableUsd: '$89.99',
    needsApproval: false,
    refunded: false,
    ...over,
  };
}

const VERIFIED_TOOLS = ['get_customer', 'lookup_order', 'process_refund', 'escalate_to_human'];

/** Facts of a verified conversation (Sarah by default) with the given orders looked up. */
export function verifiedFacts(orders: OrderFact[] = [], over: Partial<StateFacts> = {}): StateFacts {
  return startFacts({ state: 'refund-eligible', allowedTools: VERIFIED_TOOLS, customer: SARAH, orders, ...over });
}

export { startFacts };

export class History {
  readonly messages: ModelMessage[] = [];
  private n = 0;

  customer(text: string): this {
    this.messages.push({ role: 'user', content: [{ type: 'text', text }] });
    return this;
  }

  /** A handback note (a user text block starting with "[note]"). */
  note(text: string): this {
    return this.customer(`[note] ${text}`);
  }

  agent(text: string): this {
    this.messages.push({ role: 'assistant', content: [{ type: 'text', text }] });
    return this;
  }

  call(name: string, input: Record<string, unknown>, result: unknown, isError = false): this {
    const id = `toolu_test_${++this.n}`;
    this.messages.push({ role: 'assistant', content: [{ type: 'tool_use', id, name, input }] });
    const content = typeof result === 'string' ? result : JSON.stringify(result);
    this.messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content, is_error: isError }],
    });
    return this;
  }

  verify(email = SARAH.email, name = SARAH.name): this {
    return this.call(
      'get_customer',
      { email },
      { found: true, name, email, account_status: 'active', open_case_count: 0 },
    );
  }

  lookup(orderId: string, over: Record<string, unknown> = {}): this {
    const json = {
      order_id: orderId,
      description: 'Blender',
      amount: '$89.99',
      order_date: '2026-11-18',
      delivered_date: '2026-11-22',
      status: 'delivered',
      subscription: false,
      refund_eligible: true,
      ...over,
    };
    return this.call('lookup_order', { order_id: orderId }, json);
  }

  /** An accepted process_refund that became an offer waiting for the customer's yes. */
  offer(orderId: string, reason = 'damaged'): this {
    return this.call(
      'process_refund',
      { order_id: orderId, reason },
      { status: 'awaiting_confirmation', offer_id: 'OFR-1' },
    );
  }

  refund(orderId: string, reason = 'damaged', amount = '$89.99'): this {
    return this.call(
      'process_refund',
      { order_id: orderId, reason },
      { refund_id: 'RF-TEST1', status: 'processed', amount },
    );
  }

  /** A tool_result the runtime records for a refund it ran itself (a confirmed offer). */
  runtimeRefundResult(orderId: string, amount = '$89.99'): this {
    const content = JSON.stringify({ refund_id: 'RF-TEST2', order_id: orderId, status: 'processed', amount });
    this.messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_runtime_1', content }] });
    return this;
  }
}

export const history = () => new History();

/** The planner's proposals as [name, input] pairs. */
export const plan = (h: History, facts: StateFacts) =>
  planTools(analyse(h.messages), facts).map((p): [string, Record<string, unknown>] => [p.name, p.input]);

export const planNames = (h: History, facts: StateFacts) => plan(h, facts).map(([name]) => name);

export const reply = (h: History, facts: StateFacts) => composeReply(analyse(h.messages), facts);

/** Helpers to read a conversation's audit log in tests. */
import type { Harness } from './harness.js';
import type { ProposalRecord } from '../../src/runtime/types.js';

export async function proposalsOf(h: Harness, conversationId: string): Promise<ProposalRecord[]> {
  const events = await h.runtime.store.listEvents(conversationId);
  return events.filter((e) => e.kind === 'proposal').map((e) => e.payload as ProposalRecord);
}

export async function refundsOf(h: Harness, orderId?: string) {
  const all = (await h.runtime.listRefunds()).filter((r) => r.conversation_id !== 'seed');
  return orderId ? all.filter((r) => r.order_id === orderId) : all;
}

export async function ticketsOf(h: Harness, conversationId?: string) {
  const all = await h.runtime.listTickets();
  return conversationId ? all.filter((t) => t.conversation_id === conversationId) : all;
}

/** Starts a conversation and sends one message. */
export async function chatOnce(h: Harness, message: string) {
  const c = await h.runtime.createConversation();
  const result = await h.runtime.sendMessage(c.conversation_id, c.token, message);
  return { ...c, result };
}

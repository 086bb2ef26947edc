/** Conversations for the inspection tests, made by the real runtime with a scripted model. */
import { createHarness, type Harness } from '../support/harness.js';
import { scriptedModel, text, toolUse } from '../support/scripted-model.js';

export const SEED_1_MESSAGE =
  'Hi, my email is sarah@example.com. My blender arrived broken, order ORD-8842. I want a refund.';

/** Everything that would identify SEED 1's customer, Sarah Chen. */
export const SARAH_PII = /sarah|chen|@example\.com/i;

/** SEED 1: verified, order checked, refunded, resolved. */
export const seed1Script = () => [
  [toolUse('get_customer', { email: 'sarah@example.com' }), toolUse('lookup_order', { order_id: 'ORD-8842' })],
  [toolUse('process_refund', { order_id: 'ORD-8842', reason: 'damaged' })],
  [text('Your refund for ORD-8842 is on its way, Sarah.')],
];

/** A harness with one SEED 1 conversation played to `resolved`. */
export async function seed1Conversation(): Promise<{ h: Harness; id: string; token: string }> {
  const h = await createHarness(scriptedModel(seed1Script()));
  const { conversation_id: id, token } = await h.runtime.createConversation();
  const result = await h.runtime.sendMessage(id, token, SEED_1_MESSAGE);
  if (result.state !== 'resolved') throw new Error(`SEED 1 ended in ${result.state}`);
  return { h, id, token };
}

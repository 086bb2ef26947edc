/**
 * When another conversation took an order's refund key meanwhile (I4): say what is true, and
 * record it on this conversation's facts so nobody proposes it again.
 */
import { refundKey } from '../machines/conversation.context.js';
import type { ConversationStore } from '../store/types.js';
import type { Engine } from './engine.js';
import type { HeldConversation } from './held.js';

export async function settleTakenRefund(
  deps: { store: ConversationStore; engine: Engine },
  held: HeldConversation,
  orderId: string,
): Promise<string> {
  const effect = await deps.store.getEffect(refundKey(orderId));
  const status = effect?.status ?? null;
  const known = held.snapshot.context.orders[orderId];
  const code = status === 'done' ? 'ALREADY_REFUNDED' : status === 'pending' ? 'REFUND_IN_PROGRESS' : 'REFUND_DECLINED';
  if (known)
    await deps.engine.dispatch(held, {
      type: 'order.checked',
      facts: {
        ...known,
        eligible: false,
        ineligibleCode: code,
        refundableCents: 0,
        needsApproval: false,
        refunded: status === 'done',
      },
    });
  if (status === 'done')
    return (
      'That order has already been refunded (in another conversation); do not ' +
      'refund it again. Tell the customer it is already refunded.'
    );
  if (status === 'pending')
    return (
      'A refund of that order is already being processed (in another conversation). ' +
      'Tell the customer it is being confirmed.'
    );
  return (
    'An earlier refund of that order was declined by the payment provider; it ' +
    'cannot be refunded here. Offer to pass it to a person.'
  );
}

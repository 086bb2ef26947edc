/**
 * I13: the customer's answer to the standing refund offer, decided in code from their own words.
 * A yes pays exactly the offered refund through the outbox (or asks a supervisor, above the
 * limit); a no or a hedge withdraws it. What happened is said by code and noted for the model.
 */
import type { OfferAnswer } from './customer-text.js';
import type { Engine } from './engine.js';
import type { HeldConversation } from './held.js';
import { stateOf } from './machine-steps.js';
import { approvalRequestedText, declinedText, refundDoneText } from './offer-text.js';
import { settleTakenRefund } from './refund-races.js';
import type { Clock } from '../policy.js';
import type { ConversationStore } from '../store/types.js';
import { formatUsd } from '../money.js';

export const ANYTHING_ELSE = 'Is there anything else I can help with?';

export interface OfferOutcome {
  kind: 'refund' | 'approval' | 'declined' | 'confirming' | 'failed' | 'taken';
  /** Sentences for the customer, built by code. */
  say: string[];
}

export interface ConfirmationDeps {
  engine: Engine;
  store: ConversationStore;
  clock: Clock;
}

/** Applies a yes or no to the open offer (via 'chat': the customer's text, or 'mcp': elicitation). */
export async function answerOffer(
  deps: ConfirmationDeps,
  held: HeldConversation,
  answer: Exclude<OfferAnswer, 'unclear'>,
  via: 'chat' | 'mcp' = 'chat',
): Promise<OfferOutcome | null> {
  const offer = held.snapshot.context.offer;
  if (!offer) return null;
  const { engine } = deps;
  const at = deps.clock().toISOString();
  const amount = formatUsd(offer.amountCents);
  if (answer === 'no') {
    const done = await engine.dispatch(held, { type: 'customer.declined', offerId: offer.offerId, via });
    if (!done.ok) return null;
    engine.note(held, {
      kind: 'note',
      payload: {
        text:
          `[note] The customer declined the refund offer for ${offer.orderId} (${amount}); ` +
          `nothing was refunded. Do not offer it again unless they ask.`,
      },
    });
    return { kind: 'declined', say: [declinedText(offer)] };
  }
  const done = await engine.dispatch(held, {
    type: 'customer.confirmed',
    offerId: offer.offerId,
    digest: offer.digest,
    via,
    at,
  });
  if (!done.ok) {
    if (done.reason !== 'duplicate_effect') return null;
    // another conversation refunded this order first (I4): say what is true and withdraw the offer
    const message = await settleTakenRefund(deps, held, offer.orderId);
    await engine.dispatch(held, { type: 'offer.withdrawn', offerId: offer.offerId });
    engine.note(held, {
      kind: 'note',
      payload: { text: `[note] The customer said yes, but: ${message} They have been told.` },
    });
    const refunded = held.snapshot.context.orders[offer.orderId]?.refunded === true;
    return {
      kind: 'taken',
      say: [
        refunded
          ? `Order ${offer.orderId} has already been refunded, so I haven't refunded it again.`
          : `A refund of order ${offer.orderId} is already being processed, so I haven't started another one.`,
      ],
    };
  }
  const state = stateOf(held.snapshot);
  const ctx = held.snapshot.context;
  if (state === 'awaiting-approval' && ctx.approval) {
    const ref = ctx.approval.ticketId ? ` (ticket ${ctx.approval.ticketId})` : '';
    engine.note(held, {
      kind: 'note',
      payload: {
        text:
          `[note] The customer confirmed the refund offer for ${offer.orderId} (${amount}). ` +
          `It needs a supervisor's approval, so it has been passed to a specialist${ref}; ` +
          `the customer has been told. Nothing is refunded yet.`,
      },
    });
    return { kind: 'approval', say: [approvalRequestedText(ctx.approval)] };
  }
  const refund = done.outcomes.find((o) => o.kind === 'refund');
  if (refund?.kind === 'refund' && refund.status === 'done') {
    engine.note(held, {
      kind: 'note',
      payload: {
        text:
          `[note] The customer confirmed the refund offer for ${offer.orderId}; the ` +
          `refund of ${amount} was processed (reference ${refund.refundId}) and the ` +
          `customer has been told. Do not repeat it.`,
      },
    });
    return { kind: 'refund', say: [refundDoneText(refund.orderId, refund.amountCents, refund.refundId)] };
  }
  if (refund?.kind === 'refund' && refund.status === 'failed') {
    engine.note(held, {
      kind: 'note',
      payload: {
        text:
          `[note] The customer confirmed the refund for ${offer.orderId}, but the ` +
          `payment provider declined it; a person will follow up.`,
      },
    });
    return {
      kind: 'failed',
      say: [
        `I'm sorry, the payment provider couldn't complete the refund for order ` +
          `${offer.orderId}; a member of our team will follow up.`,
      ],
    };
  }
  engine.note(held, {
    kind: 'note',
    payload: {
      text:
        `[note] The customer confirmed the refund for ${offer.orderId}; it is being ` +
        `confirmed with the payment provider. Do not say it failed or succeeded.`,
    },
  });
  return {
    kind: 'confirming',
    say: [
      `Thank you. The refund for order ${offer.orderId} is being confirmed with ` +
        `our payment provider; I'll let you know as soon as it's done.`,
    ],
  };
}

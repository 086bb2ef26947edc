/** What a snapshot tells the model (the state facts and note) and callers (what it waits for). */
import type { ConversationContext } from '../machines/conversation.context.js';
import { formatUsd, centsToUsdNumber } from '../money.js';
import type { StateFacts } from '../models/types.js';
import type { RefundPolicy } from '../policy.js';
import type { Toolset, ToolEnv } from '../tools/types.js';
import { stateOf, statusOf, type ConversationSnapshot } from './machine-steps.js';
import { offerText } from './offer-text.js';
import { expectedWait, ineligibleText } from './prompt.js';
import type { Awaiting } from './types.js';

/** The tools the machine accepts now, derived from each tool's candidate events with `snapshot.can`. */
export function allowedTools(snapshot: ConversationSnapshot, toolset: Toolset, env: ToolEnv): string[] {
  const ctx = snapshot.context;
  return toolset.tools
    .filter((tool) => tool.sources.includes(env.via))
    .filter((tool) => {
      if (tool.probe(ctx, env).some((event) => snapshot.can(event))) return true;
      // verification stays open for an email the customer has yet to give (the machine checks it then)
      return (
        tool.name === 'get_customer' &&
        !ctx.customer &&
        !ctx.escalation &&
        !ctx.takeover &&
        !ctx.challenge &&
        !ctx.verificationLocked
      );
    })
    .map((tool) => tool.name);
}

export function awaitingOf(snapshot: ConversationSnapshot): Awaiting {
  const ctx = snapshot.context;
  const state = stateOf(snapshot);
  if (state === 'human-active' && ctx.takeover) return { kind: 'person', operator: ctx.takeover.operator };
  if (state === 'awaiting-confirmation' && ctx.offer)
    return {
      kind: 'confirmation',
      offer_id: ctx.offer.offerId,
      order_id: ctx.offer.orderId,
      amount: centsToUsdNumber(ctx.offer.amountCents),
      text: offerText(ctx.offer),
    };
  if (ctx.approval && (state === 'awaiting-approval' || state === 'escalated'))
    return {
      kind: 'approval',
      order_id: ctx.approval.orderId,
      amount: centsToUsdNumber(ctx.approval.amountCents),
      request_id: ctx.approval.requestId,
    };
  if (state === 'verifying') return { kind: 'code' };
  return null;
}

function factsAwaiting(ctx: ConversationContext, state: string): StateFacts['awaiting'] {
  if (state === 'awaiting-confirmation' && ctx.offer)
    return {
      kind: 'confirmation',
      offerId: ctx.offer.offerId,
      orderId: ctx.offer.orderId,
      amountUsd: formatUsd(ctx.offer.amountCents),
    };
  if (ctx.approval)
    return { kind: 'approval', orderId: ctx.approval.orderId, amountUsd: formatUsd(ctx.approval.amountCents) };
  if (state === 'verifying') return { kind: 'code' };
  return null;
}

export function factsOf(snapshot: ConversationSnapshot, policy: RefundPolicy, allowed: string[]): StateFacts {
  const ctx = snapshot.context;
  const state = stateOf(snapshot);
  return {
    state,
    status: statusOf(snapshot),
    allowedTools: allowed,
    customer: ctx.customer ? { name: ctx.customer.name, email: ctx.customer.email, status: ctx.customer.status } : null,
    unknownEmails: ctx.unknownEmails,
    orders: Object.values(ctx.orders).map((o) => ({
      orderId: o.orderId,
      owned: o.owned,
      eligible: o.eligible,
      ineligibleExplanation: o.owned ? ineligibleText(o.ineligibleCode, policy) : null,
      refundableUsd: o.owned && o.eligible ? formatUsd(o.refundableCents) : null,
      needsApproval: o.needsApproval,
      refunded: o.refunded,
    })),
    pendingRefund: ctx.pendingRefund
      ? { orderId: ctx.pendingRefund.orderId, outcome: ctx.pendingRefund.outcome }
      : null,
    escalation: ctx.escalation
      ? {
          priority: ctx.escalation.priority,
          reason: ctx.escalation.reason,
          ticketId: ctx.escalation.ticketId,
          expectedWait: expectedWait(ctx.escalation.priority),
        }
      : null,
    awaiting: factsAwaiting(ctx, state),
  };
}

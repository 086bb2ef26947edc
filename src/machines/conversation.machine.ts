/**
 * The conversation machine: pure (no invoke, no timers, no I/O). Guards make the policy
 * structural; every guard and action is named in `setup()`. Side effects are emitted as one
 * named action, `effect`, whose params say which (see conversation.effects.ts); the runtime turns
 * them into outbox rows in the same store transaction as the new snapshot.
 */
import { assign, setup } from 'xstate';
import {
  initialContext,
  refundKey,
  type ConversationContext,
  type ConversationInput,
  type OrderFacts,
  type PendingRefund,
} from './conversation.context.js';
import type { EffectParams } from './conversation.effects.js';
import { escalationFrom } from './conversation.escalations.js';
import type { ConversationEvent } from './conversation.events.js';
import { operatorAllowed, proposalAllowed } from './conversation.rules.js';

/** Bump when state names or context shape change; stored snapshots are migrated on load. */
export const MACHINE_VERSION = 3;

/** Turns in a row that obtain nothing needed before a P3 complexity ticket (I9): one ask + two failed clarifications.
 *
 */
export const STALLED_TURNS_LIMIT = 3;
/** Unknown payment outcomes in a row before a P2 ticket asks a human to reconcile (the refund stays pending). */
export const UNKNOWN_OUTCOMES_LIMIT = 3;
/** Wrong or expired one-time codes before verification locks (I16). */
export const CODE_ATTEMPTS_LIMIT = 5;

export const STATE_NAMES = [
  'unverified',
  'verifying',
  'verified',
  'order-checked',
  'refund-eligible',
  'awaiting-confirmation',
  'awaiting-approval',
  'refund-pending',
  'refund-reconciling',
  'human-active',
  'escalated',
  'resolved',
] as const;
export type ConversationState = (typeof STATE_NAMES)[number];

/** States a handback may return to as they were (the others are re-derived from the context). */
export const RESTING_STATES = [
  'unverified',
  'verifying',
  'verified',
  'order-checked',
  'refund-eligible',
  'resolved',
] as const;

const is = <T extends ConversationEvent['type']>(
  e: ConversationEvent,
  type: T,
): e is Extract<ConversationEvent, { type: T }> => e.type === type;

function refundFrom(orderId: string, amountCents: number, reason: PendingRefund['reason'], approvedBy: string | null) {
  const pending: PendingRefund = {
    orderId,
    amountCents,
    reason,
    idempotencyKey: refundKey(orderId),
    outcome: 'pending',
    unknownCount: 0,
    approvedBy,
  };
  return pending;
}

/** The order's approval was denied here, and the new facts do not say it was refunded since (I14). */
const deniedHere = (ctx: ConversationContext, f: OrderFacts) =>
  ctx.orders[f.orderId]?.ineligibleCode === 'APPROVAL_DENIED' && f.owned && !f.refunded;

const effect = (params: EffectParams) => ({ type: 'effect', params }) as const;
const ticketFor = (subject: 'escalation' | 'approval') => effect({ kind: 'ticket', subject });
const ESCALATE = ['escalate', ticketFor('escalation')] as const;

function canRefundGuard(ctx: ConversationContext, e: ConversationEvent): boolean {
  return is(e, 'propose.process_refund') && proposalAllowed(ctx, e);
}
const needsApproval = (ctx: ConversationContext, orderId: string) => ctx.orders[orderId]?.needsApproval === true;

const codeTried = (ctx: ConversationContext, e: ConversationEvent) =>
  is(e, 'propose.verify_code') && proposalAllowed(ctx, e);

function codeMatches(ctx: ConversationContext, e: ConversationEvent): boolean {
  const c = ctx.challenge;
  if (!is(e, 'propose.verify_code') || !c || !c.candidate || !c.codeHash || !c.expiresAt) return false;
  return e.codeHash === c.codeHash && Date.parse(e.at) <= Date.parse(c.expiresAt);
}

function confirmsOffer(ctx: ConversationContext, e: ConversationEvent): boolean {
  if (is(e, 'propose.confirm_refund')) return proposalAllowed(ctx, e);
  return (
    is(e, 'customer.confirmed') &&
    ctx.offer !== null &&
    ctx.takeover === null &&
    ctx.escalation === null &&
    e.offerId === ctx.offer.offerId &&
    e.digest === ctx.offer.digest
  );
}

export const conversationMachine = setup({
  types: {
    context: {} as ConversationContext,
    events: {} as ConversationEvent,
    input: {} as ConversationInput,
  },
  guards: {
    canVerify: ({ context, event }) => is(event, 'propose.get_customer') && proposalAllowed(context, event),
    canLookup: ({ context, event }) => is(event, 'propose.lookup_order') && proposalAllowed(context, event),
    canEscalate: ({ context, event }) => is(event, 'propose.escalate') && proposalAllowed(context, event),
    /** I13: the refund is offered to the customer first. */
    canOfferRefund: ({ context, event }) => canRefundGuard(context, event) && context.confirmRefunds,
    /** I14: no confirmation asked; above the limit, straight to a supervisor. */
    canRequestApproval: ({ context, event }) =>
      canRefundGuard(context, event) &&
      !context.confirmRefunds &&
      is(event, 'propose.process_refund') &&
      needsApproval(context, event.orderId),
    canRefundNow: ({ context, event }) =>
      canRefundGuard(context, event) &&
      !context.confirmRefunds &&
      is(event, 'propose.process_refund') &&
      !needsApproval(context, event.orderId),
    /** I13: the customer's yes (chat) or the MCP client's confirmation of this exact offer, above the limit. */
    confirmsApprovalOffer: ({ context, event }) =>
      confirmsOffer(context, event) && context.offer?.needsApproval === true,
    confirmsRefundOffer: ({ context, event }) =>
      confirmsOffer(context, event) && context.offer?.needsApproval === false,
    withdrawsOffer: ({ context, event }) =>
      is(event, 'offer.withdrawn') && context.offer !== null && event.offerId === context.offer.offerId,
    declinesOffer: ({ context, event }) =>
      is(event, 'customer.declined') && context.offer !== null && event.offerId === context.offer.offerId,
    canEscalateFact: ({ context, event }) => is(event, 'escalate') && context.escalation === null,
    /** A code-decided escalation more urgent than the current one (a trigger after a P3, say). */
    outranksCurrent: ({ context, event }) =>
      is(event, 'escalate') && context.escalation !== null && event.priority < context.escalation.priority,
    codeRequired: ({ context, event }) =>
      (is(event, 'customer.found') || is(event, 'customer.not_found')) &&
      (context.verification === 'code' || event.via === 'mcp'),
    isActiveAccount: ({ event }) => is(event, 'customer.found') && event.customer.status === 'active',
    /** I16: the right code, in time, for an active account. */
    codeOpensActiveAccount: ({ context, event }) =>
      codeTried(context, event) && codeMatches(context, event) && context.challenge?.candidate?.status === 'active',
    /** The right code for a suspended or closed account: verified, then escalated (I10). */
    codeOpensInactiveAccount: ({ context, event }) =>
      codeTried(context, event) && codeMatches(context, event) && context.challenge?.candidate?.status !== 'active',
    codeWrongWithAttemptsLeft: ({ context, event }) =>
      codeTried(context, event) && (context.challenge?.attempts ?? 0) + 1 < CODE_ATTEMPTS_LIMIT,
    codeWrongLastAttempt: ({ context, event }) => codeTried(context, event),
    isForeignOrder: ({ event }) => is(event, 'order.checked') && !event.facts.owned,
    isRefundableOrder: ({ context, event }) =>
      is(event, 'order.checked') &&
      !deniedHere(context, event.facts) &&
      event.facts.eligible &&
      !event.facts.refunded &&
      event.facts.refundableCents <= context.refundLimitCents &&
      !event.facts.needsApproval,
    isPendingRefund: ({ context, event }) =>
      'orderId' in event && context.pendingRefund !== null && context.pendingRefund.orderId === event.orderId,
    /** I8: still unknown after several attempts (one named guard, so the definition shows it whole). */
    isPendingRefundStillUnknown: ({ context, event }) =>
      'orderId' in event &&
      context.pendingRefund !== null &&
      context.pendingRefund.orderId === event.orderId &&
      context.pendingRefund.unknownCount + 1 >= UNKNOWN_OUTCOMES_LIMIT,
    madeProgress: ({ event }) => is(event, 'turn.ended') && event.progressed,
    clarificationExhausted: ({ context }) => context.stalledTurns + 1 >= STALLED_TURNS_LIMIT,
    canApprove: ({ context, event }) => is(event, 'operator.approve') && operatorAllowed(context, event),
    canDeny: ({ context, event }) => is(event, 'operator.deny') && operatorAllowed(context, event),
    approvalExpired: ({ context, event }) =>
      is(event, 'approval.expired') &&
      context.approval !== null &&
      context.approval.requestId === event.requestId &&
      Date.parse(event.at) > Date.parse(context.approval.deadline),
    canTakeOver: ({ context, event }) => is(event, 'operator.takeover') && operatorAllowed(context, event),
    canResolve: ({ context, event }) => is(event, 'operator.resolve') && operatorAllowed(context, event),
    hasEscalation: ({ context }) => context.escalation !== null,
    hasUnknownRefund: ({ context }) => context.pendingRefund?.outcome === 'unknown',
    hasPendingRefund: ({ context }) => context.pendingRefund !== null,
    hasApproval: ({ context }) => context.approval !== null,
    hasOffer: ({ context }) => context.offer !== null,
    tookOverFrom: ({ context }, params: { state: string }) => context.takeover?.fromState === params.state,
    hasRefundedOrder: ({ context }) => Object.values(context.orders).some((o) => o.refunded),
    hasOrders: ({ context }) => Object.keys(context.orders).length > 0,
    hasCustomer: ({ context }) => context.customer !== null,
  },
  actions: {
    /** Effect marker: the runtime turns it into an outbox row by its kind (see conversation.effects.ts). */
    effect: (_, _params: EffectParams) => {},
    escalate: assign(({ context, event }) => ({ escalation: escalationFrom(event, context), offer: null })),
    raiseEscalation: assign({
      escalation: ({ context, event }) => ({ ...escalationFrom(event, context), raised: true }),
    }),
    noteCustomer: assign({
      customer: ({ context, event }) => (is(event, 'customer.found') ? event.customer : context.customer),
    }),
    noteUnknownEmail: assign({
      unknownEmails: ({ context, event }) =>
        is(event, 'customer.not_found') && !context.unknownEmails.includes(event.email)
          ? [...context.unknownEmails, event.email]
          : context.unknownEmails,
    }),
    noteChallenge: assign({
      challenge: ({ context, event }) => {
        const prev = context.challenge;
        const found = is(event, 'customer.found');
        const email = is(event, 'customer.found')
          ? event.customer.email
          : is(event, 'customer.not_found')
            ? event.email
            : '';
        return {
          candidate: is(event, 'customer.found') ? event.customer : null,
          email: email.toLowerCase(),
          codeHash: null,
          salt: null,
          expiresAt: null,
          attempts: prev?.attempts ?? 0,
          sent: (prev?.sent ?? 0) + (found ? 1 : 0),
        };
      },
    }),
    noteCodeSent: assign({
      challenge: ({ context, event }) =>
        context.challenge && is(event, 'verification.code_sent')
          ? { ...context.challenge, codeHash: event.codeHash, salt: event.salt, expiresAt: event.expiresAt }
          : context.challenge,
    }),
    acceptCandidate: assign(({ context }) => ({
      customer: context.challenge?.candidate ?? context.customer,
      challenge: null,
      codesGiven: [],
    })),
    countCodeAttempt: assign({
      challenge: ({ context }) =>
        context.challenge ? { ...context.challenge, attempts: context.challenge.attempts + 1 } : null,
    }),
    lockVerification: assign({ verificationLocked: true, challenge: null }),
    noteOrder: assign({
      orders: ({ context, event }) => {
        if (!is(event, 'order.checked')) return context.orders;
        const f = event.facts;
        // I14: a supervisor's no stands in this conversation; fresh facts (a re-lookup, a refresh) do not undo it
        if (deniedHere(context, f)) return context.orders;
        // a foreign order keeps nothing but the fact that it is foreign (I5)
        const kept = f.owned
          ? f
          : {
              ...f,
              eligible: false,
              ineligibleCode: null,
              refundableCents: 0,
              needsApproval: false,
              refunded: false,
              refundId: null,
            };
        return { ...context.orders, [f.orderId]: kept };
      },
    }),
    makeOffer: assign(({ context, event }) => {
      if (!is(event, 'propose.process_refund')) return {};
      const t = event.terms;
      return {
        offersMade: context.offersMade + 1,
        offer: {
          offerId: t.offerId,
          orderId: event.orderId,
          amountCents: t.amountCents,
          reason: event.reason,
          destination: t.destination,
          digest: t.digest,
          needsApproval: needsApproval(context, event.orderId),
          madeAt: event.at,
        },
      };
    }),
    declineOffer: assign({ offer: null }),
    /** I14: the approval request for the confirmed offer (same digest) or, without confirmation, for the proposal. */
    requestApproval: assign(({ context, event }) => {
      const from = context.offer
        ? { ...context.offer, at: 'at' in event ? String(event.at) : context.offer.madeAt }
        : is(event, 'propose.process_refund')
          ? { ...event.terms, orderId: event.orderId, reason: event.reason, at: event.at }
          : null;
      if (!from) return {};
      const deadline = new Date(Date.parse(from.at) + context.approvalHours * 3_600_000).toISOString();
      return {
        offer: null,
        approval: {
          requestId: `apr_${from.offerId.replace(/^offer_/, '')}`,
          orderId: from.orderId,
          amountCents: from.amountCents,
          reason: from.reason,
          digest: from.digest,
          requestedAt: from.at,
          deadline,
          ticketId: null,
        },
      };
    }),
    startRefund: assign(({ context, event }) => {
      if (context.offer) {
        const o = context.offer;
        return { offer: null, pendingRefund: refundFrom(o.orderId, o.amountCents, o.reason, null) };
      }
      if (is(event, 'operator.approve') && context.approval) {
        const a = context.approval;
        return { approval: null, pendingRefund: refundFrom(a.orderId, a.amountCents, a.reason, event.operator) };
      }
      if (is(event, 'propose.process_refund'))
        return { pendingRefund: refundFrom(event.orderId, event.terms.amountCents, event.reason, null) };
      return {};
    }),
    denyApproval: assign(({ context }) => {
      const a = context.approval;
      const facts = a ? context.orders[a.orderId] : undefined;
      if (!a || !facts) return { approval: null };
      const denied = {
        ...facts,
        eligible: false,
        ineligibleCode: 'APPROVAL_DENIED',
        refundableCents: 0,
        needsApproval: false,
      };
      // denied while a person holds it: the handback returns where a deny leads (not "resolved" by an older refund)
      const takeover = context.takeover && { ...context.takeover, fromState: 'order-checked' };
      return { approval: null, orders: { ...context.orders, [a.orderId]: denied }, takeover };
    }),
    expireApproval: assign(({ context, event }) => ({
      escalation: context.escalation ?? escalationFrom(event, context),
      approval: null,
    })),
    clearApproval: assign({ approval: null }),
    markRefunded: assign({
      orders: ({ context, event }) => {
        if (!is(event, 'refund.succeeded')) return context.orders;
        const facts = context.orders[event.orderId];
        if (!facts) return context.orders;
        return { ...context.orders, [event.orderId]: { ...facts, refunded: true, refundId: event.refundId } };
      },
      pendingRefund: null,
    }),
    clearPendingRefund: assign({ pendingRefund: null }),
    markRefundUnknown: assign({
      pendingRefund: ({ context }) =>
        context.pendingRefund
          ? {
              ...context.pendingRefund,
              outcome: 'unknown' as const,
              unknownCount: context.pendingRefund.unknownCount + 1,
            }
          : null,
    }),
    noteTicket: assign(({ context, event }) => {
      if (!is(event, 'ticket.created')) return {};
      if (event.subject === 'approval')
        return context.approval ? { approval: { ...context.approval, ticketId: event.ticketId } } : {};
      return context.escalation ? { escalation: { ...context.escalation, ticketId: event.ticketId } } : {};
    }),
    noteWritten: assign(({ context, event }) => {
      if (!is(event, 'customer.wrote')) return {};
      const emails = event.emails.map((e) => e.trim().toLowerCase());
      return {
        emailsGiven: [...new Set([...context.emailsGiven, ...emails])],
        codesGiven: [...new Set([...context.codesGiven, ...event.codes])].slice(-10),
      };
    }),
    noteTakeover: assign(({ context, event }, params: { from: string }) => ({
      takeover: is(event, 'operator.takeover')
        ? { operator: event.operator, fromState: params.from, since: event.at, sinceTurn: event.turn }
        : context.takeover,
    })),
    endTakeover: assign({ takeover: null }),
    resolveByOperator: assign({ takeover: null, offer: null, approval: null }),
    resetStalls: assign({ stalledTurns: 0 }),
    countStall: assign({ stalledTurns: ({ context }) => context.stalledTurns + 1 }),
  },
}).createMachine({
  id: 'conversation',
  initial: 'unverified',
  context: ({ input }) => initialContext(input),
  on: {
    // Escalation is accepted in every state until the conversation is escalated (I6).
    'propose.escalate': { guard: 'canEscalate', target: '.escalated', actions: ESCALATE },
    escalate: { guard: 'canEscalateFact', target: '.escalated', actions: ESCALATE },
    'ticket.created': { actions: 'noteTicket' },
    'customer.wrote': { actions: 'noteWritten' },
    'turn.ended': { actions: 'resetStalls' },
    'operator.resolve': { guard: 'canResolve', target: '.resolved', actions: 'resolveByOperator' },
  },
  states: {
    unverified: {
      on: {
        'operator.takeover': takeover('unverified'),
        'propose.get_customer': { guard: 'canVerify', target: 'unverified' },
        // a code sent earlier (an MCP client's verification) can still be given here (the rules allow it)
        'propose.verify_code': codeHandlers(),
        ...verificationFacts(),
        'turn.ended': stallHandlers('unverified'),
      },
    },
    verifying: {
      on: {
        'operator.takeover': takeover('verifying'),
        'propose.get_customer': { guard: 'canVerify', target: 'verifying' },
        ...verificationFacts(),
        'verification.code_sent': { target: 'verifying', actions: 'noteCodeSent' },
        'propose.verify_code': codeHandlers(),
        'turn.ended': stallHandlers('verifying'),
      },
    },
    verified: {
      on: {
        'operator.takeover': takeover('verified'),
        ...identifiedHandlers('verified', true),
        'turn.ended': stallHandlers('verified'),
      },
    },
    'order-checked': { on: { 'operator.takeover': takeover('order-checked'), ...orderHandlers('order-checked') } },
    'refund-eligible': {
      on: { 'operator.takeover': takeover('refund-eligible'), ...orderHandlers('refund-eligible') },
    },
    'awaiting-confirmation': {
      on: {
        'operator.takeover': takeover('awaiting-confirmation'),
        ...identifiedHandlers('awaiting-confirmation', false),
        'customer.confirmed': confirmHandlers(),
        'propose.confirm_refund': confirmHandlers(),
        'customer.declined': { guard: 'declinesOffer', target: 'refund-eligible', actions: 'declineOffer' },
        'offer.withdrawn': { guard: 'withdrawsOffer', target: 'order-checked', actions: 'declineOffer' },
      },
    },
    'awaiting-approval': {
      on: {
        'operator.takeover': takeover('awaiting-approval'),
        ...identifiedHandlers('awaiting-approval', false),
        'operator.approve': {
          guard: 'canApprove',
          target: 'refund-pending',
          actions: ['startRefund', effect({ kind: 'refund' })],
        } as const,
        'operator.deny': { guard: 'canDeny', target: 'order-checked', actions: 'denyApproval' },
        'approval.expired': { guard: 'approvalExpired', target: 'escalated', actions: 'expireApproval' },
      },
    },
    'refund-pending': {
      on: {
        'operator.takeover': takeover('refund-pending'),
        'refund.succeeded': { guard: 'isPendingRefund', target: 'resolved', actions: 'markRefunded' },
        'refund.failed': {
          guard: 'isPendingRefund',
          target: 'escalated',
          actions: ['clearPendingRefund', ...ESCALATE],
        },
        'refund.unknown': { guard: 'isPendingRefund', target: 'refund-reconciling', actions: 'markRefundUnknown' },
      },
    },
    'refund-reconciling': {
      on: {
        'operator.takeover': takeover('refund-reconciling'),
        'refund.succeeded': { guard: 'isPendingRefund', target: 'resolved', actions: 'markRefunded' },
        'refund.failed': {
          guard: 'isPendingRefund',
          target: 'escalated',
          actions: ['clearPendingRefund', ...ESCALATE],
        },
        'refund.unknown': [
          // I8: still unknown after several attempts: a human reconciles (the refund stays pending, never "failed")
          { guard: 'isPendingRefundStillUnknown', target: 'escalated', actions: ['markRefundUnknown', ...ESCALATE] },
          { guard: 'isPendingRefund', target: 'refund-reconciling', actions: 'markRefundUnknown' },
        ],
      },
    },
    'human-active': {
      on: {
        // I15: the model is never called here; the runtime records customer messages only
        'operator.reply': { target: 'human-active' },
        // a turn that began before the takeover ends here: it counts no clarification round (I9) unless it made
        // progress
        'turn.ended': [
          { guard: 'madeProgress', target: 'human-active', actions: 'resetStalls' },
          { target: 'human-active' },
        ],
        'operator.handback': handbackHandlers(),
        escalate: { guard: 'canEscalateFact', target: 'human-active', actions: ESCALATE },
        ...approvalDecisions('human-active'),
        ...refundOutcomes('human-active'),
      },
    },
    escalated: {
      on: {
        'operator.takeover': takeover('escalated'),
        escalate: {
          guard: 'outranksCurrent',
          target: 'escalated',
          actions: ['raiseEscalation', ticketFor('escalation')],
        },
        ...approvalDecisions('escalated'),
        // a refund committed before the escalation still completes (exactly once), and is recorded
        ...refundOutcomes('escalated'),
      },
    },
    resolved: {
      on: {
        'operator.takeover': takeover('resolved'),
        ...orderHandlers('resolved'),
        // resolved by a person before verification: the customer may still verify (the rules allow it)
        'propose.get_customer': { guard: 'canVerify', target: 'unverified' },
        'propose.verify_code': codeHandlers(),
      },
    },
  },
});

function takeover(from: ConversationState) {
  return { guard: 'canTakeOver', target: 'human-active', actions: { type: 'noteTakeover', params: { from } } } as const;
}

function stallHandlers(self: 'unverified' | 'verifying' | 'verified') {
  return [
    { guard: 'madeProgress', target: self, actions: 'resetStalls' },
    { guard: 'clarificationExhausted', target: 'escalated', actions: ['countStall', ...ESCALATE] },
    { target: self, actions: 'countStall' },
  ] as const;
}

/** What a verification read learns (I1, I10, I16). */
function verificationFacts() {
  return {
    'customer.found': [
      { guard: 'codeRequired', target: 'verifying', actions: ['noteChallenge', effect({ kind: 'verification_code' })] },
      { guard: 'isActiveAccount', target: 'verified', actions: ['noteCustomer', 'resetStalls'] },
      // I10: suspended or closed: no writes, P2 ticket
      { target: 'escalated', actions: ['noteCustomer', ...ESCALATE] },
    ],
    'customer.not_found': [
      // with codes, an unknown address looks like a known one: nothing is revealed (I16)
      { guard: 'codeRequired', target: 'verifying', actions: 'noteChallenge' },
      { target: 'unverified', actions: 'noteUnknownEmail' },
    ],
  } as const;
}

/** I16: a one-time code attempt: the right one verifies; five wrong or expired ones lock verification. */
function codeHandlers() {
  return [
    { guard: 'codeOpensActiveAccount', target: 'verified', actions: ['acceptCandidate', 'resetStalls'] },
    { guard: 'codeOpensInactiveAccount', target: 'escalated', actions: [...ESCALATE, 'acceptCandidate'] },
    { guard: 'codeWrongWithAttemptsLeft', target: 'verifying', actions: 'countCodeAttempt' },
    {
      guard: 'codeWrongLastAttempt',
      target: 'escalated',
      actions: ['countCodeAttempt', ...ESCALATE, 'lockVerification'],
    },
  ] as const;
}

/** Handlers of every state with a verified, active customer and no refund in flight. */
function identifiedHandlers(self: ConversationState, movesOnLookup: boolean) {
  const foreign = { guard: 'isForeignOrder', target: 'escalated', actions: ['noteOrder', ...ESCALATE] } as const;
  const checked = movesOnLookup
    ? ([
        foreign,
        { guard: 'isRefundableOrder', target: 'refund-eligible', actions: 'noteOrder' },
        { target: 'order-checked', actions: 'noteOrder' },
      ] as const)
    : ([foreign, { target: self, actions: 'noteOrder' }] as const);
  return {
    'propose.lookup_order': { guard: 'canLookup', target: self },
    'order.checked': checked,
    'order.not_found': { target: self },
  } as const;
}

/** Once an order has been looked up: the same, plus refunds (never in `verified`: no order is known there). */
function orderHandlers(self: 'order-checked' | 'refund-eligible' | 'resolved') {
  return {
    ...identifiedHandlers(self, true),
    'propose.process_refund': [
      { guard: 'canOfferRefund', target: 'awaiting-confirmation', actions: 'makeOffer' },
      { guard: 'canRequestApproval', target: 'awaiting-approval', actions: ['requestApproval', ticketFor('approval')] },
      { guard: 'canRefundNow', target: 'refund-pending', actions: ['startRefund', effect({ kind: 'refund' })] },
    ],
  } as const;
}

/** I13 / I14: a yes to the open offer refunds it, or (above the limit) asks a supervisor. */
function confirmHandlers() {
  return [
    {
      guard: 'confirmsApprovalOffer',
      target: 'awaiting-approval',
      actions: ['requestApproval', ticketFor('approval')],
    },
    { guard: 'confirmsRefundOffer', target: 'refund-pending', actions: ['startRefund', effect({ kind: 'refund' })] },
  ] as const;
}

/** I15: back to the state recorded at takeover, unless what happened meanwhile says otherwise. */
function handbackHandlers() {
  return [
    { guard: 'hasEscalation', target: 'escalated', actions: 'endTakeover' },
    { guard: 'hasUnknownRefund', target: 'refund-reconciling', actions: 'endTakeover' },
    { guard: 'hasPendingRefund', target: 'refund-pending', actions: 'endTakeover' },
    { guard: 'hasApproval', target: 'awaiting-approval', actions: 'endTakeover' },
    { guard: 'hasOffer', target: 'awaiting-confirmation', actions: 'endTakeover' },
    ...RESTING_STATES.map(
      (state) =>
        ({ guard: { type: 'tookOverFrom', params: { state } }, target: state, actions: 'endTakeover' }) as const,
    ),
    { guard: 'hasRefundedOrder', target: 'resolved', actions: 'endTakeover' },
    { guard: 'hasOrders', target: 'order-checked', actions: 'endTakeover' },
    { guard: 'hasCustomer', target: 'verified', actions: 'endTakeover' },
    { target: 'unverified', actions: 'endTakeover' },
  ] as const;
}

function approvalDecisions(self: 'human-active' | 'escalated') {
  return {
    'operator.approve': { guard: 'canApprove', target: self, actions: ['startRefund', effect({ kind: 'refund' })] },
    'operator.deny': { guard: 'canDeny', target: self, actions: 'denyApproval' },
    'approval.expired': { guard: 'approvalExpired', target: self, actions: 'expireApproval' },
  } as const;
}

function refundOutcomes(self: 'human-active' | 'escalated') {
  return {
    'refund.succeeded': { guard: 'isPendingRefund', target: self, actions: 'markRefunded' },
    'refund.failed': { guard: 'isPendingRefund', target: self, actions: 'clearPendingRefund' },
    'refund.unknown': { guard: 'isPendingRefund', target: self, actions: 'markRefundUnknown' },
  } as const;
}

/** The machine's state names, as its snapshots type them: STATE_NAMES must list exactly these. */
type MachineStateValue = Extract<import('xstate').SnapshotFrom<typeof conversationMachine>['value'], string>;
const statesListed: [MachineStateValue] extends [ConversationState]
  ? [ConversationState] extends [MachineStateValue]
    ? true
    : 'STATE_NAMES lists a state the machine lacks'
  : 'the machine has a state missing from STATE_NAMES' = true;
void statesListed;

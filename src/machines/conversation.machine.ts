/**
 * The conversation machine: pure (no invoke, no timers, no I/O). Guards make the policy
 * structural; effects (refund, ticket) are emitted as named actions that the runtime turns
 * into outbox rows inside the same store transaction as the new snapshot.
 */
import { and, assign, setup } from 'xstate';
import type {
  ConversationContext,
  ConversationInput,
  Escalation,
} from './conversation.context.js';
import { refundKey } from './conversation.context.js';
import type { ConversationEvent } from './conversation.events.js';
import {
  escalateRejection,
  getCustomerRejection,
  lookupRejection,
  refundRejection,
} from './conversation.rules.js';

/** Bump when state names or context shape change; stored snapshots are migrated on load. */
export const MACHINE_VERSION = 2;

/** Turns in a row that obtain nothing needed before a P3 complexity ticket (I9): one ask + two failed clarifications. */
export const STALLED_TURNS_LIMIT = 3;

/** Unknown payment outcomes in a row before a P2 ticket asks a human to reconcile (the refund stays pending). */
export const UNKNOWN_OUTCOMES_LIMIT = 3;

export const STATE_NAMES = [
  'unverified',
  'verified',
  'order-checked',
  'refund-eligible',
  'refund-pending',
  'refund-reconciling',
  'escalated',
  'resolved',
] as const;
export type ConversationState = (typeof STATE_NAMES)[number];

function escalationFrom(event: ConversationEvent, ctx: ConversationContext): Escalation {
  switch (event.type) {
    case 'propose.escalate':
      return { priority: event.priority, reason: event.reason, source: 'model', summary: event.summary, orderId: event.orderId, ticketId: null };
    case 'escalate':
      return { priority: event.priority, reason: event.reason, source: event.source, summary: event.summary, orderId: event.orderId, ticketId: null };
    case 'customer.found':
      return { priority: 'P2', reason: 'policy_exception', source: 'policy', summary: `Customer account is ${event.customer.status}; no autonomous changes allowed.`, orderId: null, ticketId: null };
    case 'order.checked':
      return { priority: 'P1', reason: 'fraud_suspected', source: 'policy', summary: `Customer asked about order ${event.facts.orderId}, which belongs to another account.`, orderId: event.facts.orderId, ticketId: null };
    case 'refund.failed':
      return { priority: 'P2', reason: 'tool_failure', source: 'failure', summary: `The payment provider declined the refund of order ${event.orderId}.`, orderId: event.orderId, ticketId: null };
    case 'refund.unknown':
      return { priority: 'P2', reason: 'tool_failure', source: 'failure', summary: `The payment provider has not confirmed the refund of order ${event.orderId} after several attempts; reconcile it with the same idempotency key before telling the customer anything.`, orderId: event.orderId, ticketId: null };
    case 'turn.ended':
      return { priority: 'P3', reason: 'complexity', source: 'clarification', summary: 'Several clarification rounds did not obtain the details needed to help.', orderId: null, ticketId: null };
    default:
      return { priority: 'P2', reason: 'complexity', source: 'policy', summary: 'Escalated.', orderId: null, ticketId: ctx.escalation?.ticketId ?? null };
  }
}

/** Handlers shared by every state with a verified, active customer and no refund in flight. */
function identifiedHandlers(self: 'verified' | 'order-checked' | 'refund-eligible' | 'resolved') {
  return {
    'propose.lookup_order': { guard: 'canLookup', target: self },
    'order.checked': [
      { guard: 'isForeignOrder', target: 'escalated', actions: ['noteOrder', 'escalate', 'requestTicket'] },
      { guard: 'isRefundableOrder', target: 'refund-eligible', actions: 'noteOrder' },
      { target: 'order-checked', actions: 'noteOrder' },
    ],
    'order.not_found': { target: self },
  } as const;
}

/** Once an order has been looked up: the same, plus refunds (never in `verified`: no order is known there). */
function orderHandlers(self: 'order-checked' | 'refund-eligible' | 'resolved') {
  return {
    ...identifiedHandlers(self),
    'propose.process_refund': { guard: 'canRefund', target: 'refund-pending', actions: ['startRefund', 'requestRefund'] },
  } as const;
}

export const conversationMachine = setup({
  types: {
    context: {} as ConversationContext,
    events: {} as ConversationEvent,
    input: {} as ConversationInput,
  },
  guards: {
    canVerify: ({ context, event }) => event.type === 'propose.get_customer' && getCustomerRejection(context, event.email) === null,
    canLookup: ({ context }) => lookupRejection(context) === null,
    canRefund: ({ context, event }) => event.type === 'propose.process_refund' && refundRejection(context, event) === null,
    canEscalate: ({ context }) => escalateRejection(context) === null,
    isActiveAccount: ({ event }) => event.type === 'customer.found' && event.customer.status === 'active',
    isForeignOrder: ({ event }) => event.type === 'order.checked' && !event.facts.owned,
    isRefundableOrder: ({ context, event }) =>
      event.type === 'order.checked' && event.facts.eligible && !event.facts.needsApproval && !event.facts.refunded && event.facts.refundableCents <= context.refundLimitCents,
    isPendingRefund: ({ context, event }) =>
      'orderId' in event && context.pendingRefund !== null && context.pendingRefund.orderId === event.orderId,
    madeProgress: ({ event }) => event.type === 'turn.ended' && event.progressed,
    clarificationExhausted: ({ context }) => context.stalledTurns + 1 >= STALLED_TURNS_LIMIT,
    /** A code-decided escalation more urgent than the current one (a trigger after a P3, say). */
    outranksCurrent: ({ context, event }) => event.type === 'escalate' && context.escalation !== null && event.priority < context.escalation.priority,
    reconciliationExhausted: ({ context }) => (context.pendingRefund?.unknownCount ?? 0) + 1 >= UNKNOWN_OUTCOMES_LIMIT,
  },
  actions: {
    /** Effect marker: the runtime turns `context.pendingRefund` into a `refund:<order>` outbox row. */
    requestRefund: () => {},
    /** Effect marker: the runtime turns `context.escalation` into a `ticket:<conversation>` outbox row. */
    requestTicket: () => {},
    escalate: assign({ escalation: ({ context, event }) => escalationFrom(event, context) }),
    raiseEscalation: assign({ escalation: ({ context, event }) => ({ ...escalationFrom(event, context), raised: true }) }),
    noteCustomer: assign({ customer: ({ context, event }) => (event.type === 'customer.found' ? event.customer : context.customer) }),
    noteUnknownEmail: assign({
      unknownEmails: ({ context, event }) =>
        event.type === 'customer.not_found' && !context.unknownEmails.includes(event.email)
          ? [...context.unknownEmails, event.email]
          : context.unknownEmails,
    }),
    noteOrder: assign({
      orders: ({ context, event }) => {
        if (event.type !== 'order.checked') return context.orders;
        const f = event.facts;
        // a foreign order keeps nothing but the fact that it is foreign (I5)
        const kept = f.owned ? f : { orderId: f.orderId, owned: false, eligible: false, ineligibleCode: null, refundableCents: 0, needsApproval: false, refunded: false, refundId: null };
        return { ...context.orders, [f.orderId]: kept };
      },
    }),
    startRefund: assign({
      pendingRefund: ({ context, event }) => {
        if (event.type !== 'propose.process_refund') return context.pendingRefund;
        const facts = context.orders[event.orderId];
        return { orderId: event.orderId, amountCents: facts?.refundableCents ?? 0, reason: event.reason, idempotencyKey: refundKey(event.orderId), outcome: 'pending' as const, unknownCount: 0 };
      },
    }),
    markRefunded: assign({
      orders: ({ context, event }) => {
        if (event.type !== 'refund.succeeded') return context.orders;
        const facts = context.orders[event.orderId];
        if (!facts) return context.orders;
        return { ...context.orders, [event.orderId]: { ...facts, refunded: true, refundId: event.refundId } };
      },
      pendingRefund: null,
    }),
    clearPendingRefund: assign({ pendingRefund: null }),
    markRefundUnknown: assign({
      pendingRefund: ({ context }) =>
        context.pendingRefund ? { ...context.pendingRefund, outcome: 'unknown' as const, unknownCount: (context.pendingRefund.unknownCount ?? 0) + 1 } : null,
    }),
    noteTicket: assign({
      escalation: ({ context, event }) =>
        context.escalation && event.type === 'ticket.created' ? { ...context.escalation, ticketId: event.ticketId } : context.escalation,
    }),
    noteEmailsGiven: assign({
      emailsGiven: ({ context, event }) =>
        event.type === 'customer.wrote' ? [...new Set([...context.emailsGiven, ...event.emails.map((e) => e.trim().toLowerCase())])] : context.emailsGiven,
    }),
    resetStalls: assign({ stalledTurns: 0 }),
    countStall: assign({ stalledTurns: ({ context }) => context.stalledTurns + 1 }),
  },
}).createMachine({
  id: 'conversation',
  initial: 'unverified',
  context: ({ input }) => ({
    conversationId: input.conversationId,
    refundLimitCents: input.refundLimitCents,
    customer: null,
    emailsGiven: [],
    unknownEmails: [],
    orders: {},
    pendingRefund: null,
    escalation: null,
    stalledTurns: 0,
  }),
  on: {
    // Escalation is accepted in every state until the conversation is escalated (I6).
    'propose.escalate': { guard: 'canEscalate', target: '.escalated', actions: ['escalate', 'requestTicket'] },
    escalate: { guard: 'canEscalate', target: '.escalated', actions: ['escalate', 'requestTicket'] },
    'ticket.created': { actions: 'noteTicket' },
    'customer.wrote': { actions: 'noteEmailsGiven' },
    'turn.ended': { actions: 'resetStalls' },
  },
  states: {
    unverified: {
      on: {
        'propose.get_customer': { guard: 'canVerify', target: 'unverified' },
        'customer.found': [
          { guard: 'isActiveAccount', target: 'verified', actions: ['noteCustomer', 'resetStalls'] },
          // I10: suspended or closed: no writes, P2 ticket
          { target: 'escalated', actions: ['noteCustomer', 'escalate', 'requestTicket'] },
        ],
        'customer.not_found': { target: 'unverified', actions: 'noteUnknownEmail' },
        'turn.ended': [
          { guard: 'madeProgress', target: 'unverified', actions: 'resetStalls' },
          { guard: 'clarificationExhausted', target: 'escalated', actions: ['countStall', 'escalate', 'requestTicket'] },
          { target: 'unverified', actions: 'countStall' },
        ],
      },
    },
    verified: {
      on: {
        ...identifiedHandlers('verified'),
        'turn.ended': [
          { guard: 'madeProgress', target: 'verified', actions: 'resetStalls' },
          { guard: 'clarificationExhausted', target: 'escalated', actions: ['countStall', 'escalate', 'requestTicket'] },
          { target: 'verified', actions: 'countStall' },
        ],
      },
    },
    'order-checked': { on: orderHandlers('order-checked') },
    'refund-eligible': { on: orderHandlers('refund-eligible') },
    'refund-pending': {
      on: {
        'refund.succeeded': { guard: 'isPendingRefund', target: 'resolved', actions: 'markRefunded' },
        'refund.failed': { guard: 'isPendingRefund', target: 'escalated', actions: ['clearPendingRefund', 'escalate', 'requestTicket'] },
        'refund.unknown': { guard: 'isPendingRefund', target: 'refund-reconciling', actions: 'markRefundUnknown' },
      },
    },
    'refund-reconciling': {
      on: {
        'refund.succeeded': { guard: 'isPendingRefund', target: 'resolved', actions: 'markRefunded' },
        'refund.failed': { guard: 'isPendingRefund', target: 'escalated', actions: ['clearPendingRefund', 'escalate', 'requestTicket'] },
        'refund.unknown': [
          // I8: still unknown after several attempts: a human reconciles (the refund stays pending, never "failed")
          { guard: and(['isPendingRefund', 'reconciliationExhausted']), target: 'escalated', actions: ['markRefundUnknown', 'escalate', 'requestTicket'] },
          { guard: 'isPendingRefund', target: 'refund-reconciling', actions: 'markRefundUnknown' },
        ],
      },
    },
    escalated: {
      on: {
        escalate: { guard: 'outranksCurrent', target: 'escalated', actions: ['raiseEscalation', 'requestTicket'] },
        // a refund committed before the escalation still completes (exactly once), and is recorded
        'refund.succeeded': { guard: 'isPendingRefund', target: 'escalated', actions: 'markRefunded' },
        'refund.failed': { guard: 'isPendingRefund', target: 'escalated', actions: 'clearPendingRefund' },
        'refund.unknown': { guard: 'isPendingRefund', target: 'escalated', actions: 'markRefundUnknown' },
      },
    },
    resolved: { on: orderHandlers('resolved') },
  },
});

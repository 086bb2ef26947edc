/**
 * The refund policy as pure functions of an order, the policy settings and a clock.
 * Nothing here does I/O; the machine trusts only the facts these functions produce.
 */
import type { Cents } from './money.js';

export interface RefundPolicy {
  /** Autonomous refund limit; above it a supervisor approves (P2 ticket). Never told to customers. */
  refundLimitCents: Cents;
  /** Days after delivery within which a delivered order can be refunded. */
  returnWindowDays: number;
}

export const DEFAULT_POLICY: RefundPolicy = { refundLimitCents: 15_000, returnWindowDays: 30 };

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export type OrderStatus = 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'lost_in_transit';
export type OrderKind = 'one_time' | 'subscription';

/** The facts of an order that eligibility depends on. */
export interface OrderForPolicy {
  status: OrderStatus;
  kind: OrderKind;
  amountCents: Cents;
  /** Delivery date (ISO), for delivered orders. */
  deliveredAt: string | null;
  /** Whether a refund already exists for this order. */
  refunded: boolean;
}

/** Internal reason codes: never shown to customers (the sanitiser removes them). */
export const INELIGIBLE_CODES = [
  'OUTSIDE_WINDOW',
  'NOT_DELIVERED',
  'CANCELLED',
  'SUBSCRIPTION',
  'ALREADY_REFUNDED',
  'REFUND_IN_PROGRESS',
  'REFUND_DECLINED',
  'APPROVAL_DENIED',
] as const;
export type IneligibleCode = (typeof INELIGIBLE_CODES)[number];

export function isIneligibleCode(value: string): value is IneligibleCode {
  return (INELIGIBLE_CODES as readonly string[]).includes(value);
}

export interface RefundAssessment {
  eligible: boolean;
  /** Why not, when not eligible. */
  ineligibleCode: IneligibleCode | null;
  /** What the system would refund: the whole order amount. Decided here, never by the model. */
  refundableCents: Cents;
  /** Eligible but above the autonomous limit: supervisor approval (P2) instead of a refund. */
  needsApproval: boolean;
}

const DAY_MS = 86_400_000;

/** Decides refund eligibility of an order at `now`. */
export function assessRefund(order: OrderForPolicy, policy: RefundPolicy, now: Date): RefundAssessment {
  const no = (code: IneligibleCode): RefundAssessment => ({
    eligible: false,
    ineligibleCode: code,
    refundableCents: 0,
    needsApproval: false,
  });
  if (order.refunded) return no('ALREADY_REFUNDED');
  if (order.kind === 'subscription') return no('SUBSCRIPTION');
  if (order.status === 'cancelled') return no('CANCELLED');
  if (order.status === 'processing' || order.status === 'shipped') return no('NOT_DELIVERED');
  if (order.status === 'delivered') {
    const delivered = order.deliveredAt ? Date.parse(order.deliveredAt) : Number.NaN;
    if (!Number.isFinite(delivered)) return no('NOT_DELIVERED');
    const ageDays = (now.getTime() - delivered) / DAY_MS;
    if (ageDays > policy.returnWindowDays) return no('OUTSIDE_WINDOW');
  }
  // delivered within the window, or lost in transit (the customer never got it)
  return {
    eligible: true,
    ineligibleCode: null,
    refundableCents: order.amountCents,
    needsApproval: order.amountCents > policy.refundLimitCents,
  };
}

/** Plain-language explanation of an ineligibility, safe to show a customer. */
export function explainIneligible(code: IneligibleCode, policy: RefundPolicy): string {
  switch (code) {
    case 'OUTSIDE_WINDOW':
      return `it was delivered more than ${policy.returnWindowDays} days ago, which is outside our return window`;
    case 'NOT_DELIVERED':
      return (
        "it hasn't been delivered yet, so there is nothing to return; once it arrives " +
        'you can request a return if needed'
      );
    case 'CANCELLED':
      return 'it was cancelled, so you were not charged for it';
    case 'SUBSCRIPTION':
      return 'subscription orders are not refundable; you can cancel future renewals at any time';
    case 'ALREADY_REFUNDED':
      return 'it has already been refunded';
    case 'REFUND_IN_PROGRESS':
      return 'a refund for it is already being processed and confirmed with our payment provider';
    case 'REFUND_DECLINED':
      return (
        'an earlier refund of it was declined by our payment provider, so a member ' + 'of our team needs to look at it'
      );
    case 'APPROVAL_DENIED':
      return 'a specialist reviewed the refund and could not approve it';
  }
}

/**
 * Ground truth for the checkers, from the demo records themselves (not from the machine, the
 * tools or src/policy.ts): who owns which order, what it costs, and whether the written policy
 * (SEED.md: 30-day window after delivery, subscriptions, cancelled and undelivered orders not
 * refundable, lost in transit refundable, 150 USD autonomous limit, one refund per order) allows
 * a refund. Dates are day offsets in the demo data, so this holds for a fixed clock and for a
 * server that re-anchored its demo data at start.
 */
import { allDemoData } from '../src/backends/embedded/demo-data.js';

export const LIMIT_USD = 150;
export const WINDOW_DAYS = 30;

export interface OracleCustomer {
  id: string;
  name: string;
  email: string;
  status: 'active' | 'suspended' | 'closed';
}

export interface OracleOrder {
  id: string;
  ownerId: string;
  amountCents: number;
  description: string;
  status: string;
  kind: string;
  deliveredDaysAgo: number | null;
  /** Refunded in the seed data (before any conversation). */
  seededRefund: boolean;
}

export type Verdict = 'refundable' | 'needs_approval' | 'not_refundable';

export interface Oracle {
  customers: OracleCustomer[];
  orders: OracleOrder[];
  customerByEmail(email: string): OracleCustomer | undefined;
  customerById(id: string): OracleCustomer | undefined;
  order(id: string): OracleOrder | undefined;
  ordersOf(customerId: string): OracleOrder[];
  /** The policy's verdict for an order, given whether it has been refunded already. */
  verdict(order: OracleOrder, refundedAlready: boolean): Verdict;
}

export function createOracle(): Oracle {
  const { customers, orders } = allDemoData();
  const cs: OracleCustomer[] = customers.map((c) => ({
    id: c.customerId,
    name: c.name,
    email: c.email.toLowerCase(),
    status: c.status,
  }));
  const os: OracleOrder[] = orders.map((o) => ({
    id: o.orderId,
    ownerId: o.customerId,
    amountCents: o.amountCents,
    description: o.description,
    status: o.status,
    kind: o.kind,
    deliveredDaysAgo: o.deliveredDaysAgo,
    seededRefund: o.refunded === true,
  }));
  const byEmail = new Map(cs.map((c) => [c.email, c]));
  const byId = new Map(cs.map((c) => [c.id, c]));
  const orderById = new Map(os.map((o) => [o.id, o]));
  return {
    customers: cs,
    orders: os,
    customerByEmail: (email) => byEmail.get(email.trim().toLowerCase()),
    customerById: (id) => byId.get(id),
    order: (id) => orderById.get(id.trim().toUpperCase()),
    ordersOf: (customerId) => os.filter((o) => o.ownerId === customerId),
    verdict(order, refundedAlready) {
      if (refundedAlready || order.seededRefund) return 'not_refundable';
      if (order.kind === 'subscription') return 'not_refundable';
      const delivered =
        order.status === 'delivered' && order.deliveredDaysAgo !== null && order.deliveredDaysAgo <= WINDOW_DAYS;
      const lost = order.status === 'lost_in_transit';
      if (!delivered && !lost) return 'not_refundable';
      return order.amountCents > LIMIT_USD * 100 ? 'needs_approval' : 'refundable';
    },
  };
}

/** "$89.99" and "89.99" for an amount in cents. */
export const usdForms = (cents: number): string[] => {
  const n = (cents / 100).toFixed(2);
  return [`$${n}`, n];
};

/**
 * Demo data: the prototype's records exactly (SEED.md), a suspended and a closed account, and
 * generated customers and orders covering every eligibility rule. Dates are offsets from today
 * and re-anchored at every start, so ORD-8842 stays inside the return window.
 */
import type { SqlDriver } from '../../store/sql.js';
import type { CustomerRecord, OrderRecord } from '../types.js';

type DemoOrder = Omit<OrderRecord, 'orderedAt' | 'deliveredAt'> & {
  orderedDaysAgo: number;
  deliveredDaysAgo: number | null;
  /** Seeded as already refunded (an existing refund row). */
  refunded?: boolean;
};

export const DEMO_CUSTOMERS: CustomerRecord[] = [
  { customerId: 'USR-001', name: 'Sarah Chen', email: 'sarah@example.com', status: 'active', openCaseCount: 0 },
  { customerId: 'USR-002', name: 'Marcus Lee', email: 'marcus@example.com', status: 'active', openCaseCount: 0 },
  { customerId: 'USR-VIP', name: 'James Wright', email: 'james@example.com', status: 'active', openCaseCount: 1 },
  {
    customerId: 'USR-SUSPENDED',
    name: 'Dana Suspended',
    email: 'dana@example.com',
    status: 'suspended',
    openCaseCount: 2,
  },
  { customerId: 'USR-CLOSED', name: 'Olly Closed', email: 'olly@example.com', status: 'closed', openCaseCount: 0 },
];

export const DEMO_ORDERS: DemoOrder[] = [
  {
    orderId: 'ORD-8842',
    customerId: 'USR-001',
    amountCents: 8999,
    status: 'delivered',
    kind: 'one_time',
    description: 'Blender',
    orderedDaysAgo: 8,
    deliveredDaysAgo: 4,
  },
  {
    orderId: 'ORD-9901',
    customerId: 'USR-002',
    amountCents: 4900,
    status: 'delivered',
    kind: 'subscription',
    description: 'Coffee subscription (monthly)',
    orderedDaysAgo: 48,
    deliveredDaysAgo: 45,
  },
  {
    orderId: 'ORD-7771',
    customerId: 'USR-VIP',
    amountCents: 40000,
    status: 'lost_in_transit',
    kind: 'one_time',
    description: 'Espresso machine',
    orderedDaysAgo: 12,
    deliveredDaysAgo: null,
  },
  {
    orderId: 'ORD-5550',
    customerId: 'USR-SUSPENDED',
    amountCents: 2500,
    status: 'delivered',
    kind: 'one_time',
    description: 'Phone case',
    orderedDaysAgo: 10,
    deliveredDaysAgo: 6,
  },
  {
    orderId: 'ORD-5551',
    customerId: 'USR-CLOSED',
    amountCents: 3100,
    status: 'delivered',
    kind: 'one_time',
    description: 'Desk lamp',
    orderedDaysAgo: 9,
    deliveredDaysAgo: 5,
  },
];

const FIRST = [
  'Ava',
  'Ben',
  'Chloe',
  'Diego',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Isla',
  'Jonas',
  'Kira',
  'Liam',
  'Maya',
  'Noah',
  'Olivia',
  'Priya',
  'Quinn',
  'Rosa',
  'Sam',
  'Tara',
  'Umar',
  'Vera',
  'Wes',
  'Yara',
];
const LAST = [
  'Adams',
  'Brooks',
  'Costa',
  'Diaz',
  'Evans',
  'Fischer',
  'Garcia',
  'Hughes',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Patel',
  'Quinn',
  'Rossi',
  'Silva',
  'Tanaka',
  'Ueda',
  'Varga',
  'Weber',
  'Young',
];
const ITEMS = [
  'Toaster',
  'Headphones',
  'Yoga mat',
  'Kettle',
  'Backpack',
  'Desk chair',
  'Running shoes',
  'Cookware set',
  'Monitor',
  'Vacuum',
  'Tea sampler',
  'Smart speaker',
];

/** One template per eligibility rule: status, kind, age, amount. Cycled over the generated customers. */
const RULES: Array<
  Pick<DemoOrder, 'status' | 'kind' | 'deliveredDaysAgo' | 'orderedDaysAgo' | 'refunded'> & { cents: number }
> = [
  // eligible
  { status: 'delivered', kind: 'one_time', orderedDaysAgo: 9, deliveredDaysAgo: 5, cents: 4599 },
  // outside the window
  { status: 'delivered', kind: 'one_time', orderedDaysAgo: 50, deliveredDaysAgo: 44, cents: 3999 },
  // not yet shipped
  { status: 'processing', kind: 'one_time', orderedDaysAgo: 1, deliveredDaysAgo: null, cents: 2999 },
  // in transit
  { status: 'shipped', kind: 'one_time', orderedDaysAgo: 3, deliveredDaysAgo: null, cents: 6450 },
  // cancelled
  { status: 'cancelled', kind: 'one_time', orderedDaysAgo: 6, deliveredDaysAgo: null, cents: 1999 },
  // subscription
  { status: 'delivered', kind: 'subscription', orderedDaysAgo: 12, deliveredDaysAgo: 10, cents: 1500 },
  // already refunded
  { status: 'delivered', kind: 'one_time', orderedDaysAgo: 15, deliveredDaysAgo: 11, cents: 5200, refunded: true },
  // above the limit
  { status: 'delivered', kind: 'one_time', orderedDaysAgo: 7, deliveredDaysAgo: 3, cents: 32900 },
  // lost in transit
  { status: 'lost_in_transit', kind: 'one_time', orderedDaysAgo: 20, deliveredDaysAgo: null, cents: 7800 },
  // near the end of the window
  { status: 'delivered', kind: 'one_time', orderedDaysAgo: 32, deliveredDaysAgo: 28, cents: 2250 },
];

function generated(): { customers: CustomerRecord[]; orders: DemoOrder[] } {
  const customers: CustomerRecord[] = [];
  const orders: DemoOrder[] = [];
  let orderNo = 1000;
  FIRST.forEach((first, i) => {
    const last = LAST[i] ?? 'Smith';
    const customerId = `USR-${String(100 + i)}`;
    customers.push({
      customerId,
      name: `${first} ${last}`,
      email: `${first.toLowerCase()}.${last.toLowerCase()}@example.com`,
      status: 'active',
      openCaseCount: i % 3 === 0 ? 1 : 0,
    });
    for (let k = 0; k < 3; k++) {
      const rule = RULES[(i * 3 + k) % RULES.length]!;
      orderNo += 7;
      orders.push({
        orderId: `ORD-${orderNo}`,
        customerId,
        amountCents: rule.cents + i * 11,
        status: rule.status,
        kind: rule.kind,
        description: ITEMS[(i + k) % ITEMS.length]!,
        orderedDaysAgo: rule.orderedDaysAgo,
        deliveredDaysAgo: rule.deliveredDaysAgo,
        ...(rule.refunded ? { refunded: true } : {}),
      });
    }
  });
  return { customers, orders };
}

export function allDemoData(): { customers: CustomerRecord[]; orders: DemoOrder[] } {
  const g = generated();
  return { customers: [...DEMO_CUSTOMERS, ...g.customers], orders: [...DEMO_ORDERS, ...g.orders] };
}

const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

/**
 * Fills the embedded backends with the demo data if absent and re-anchors demo order dates to `now`.
 * Idempotent; safe to run at every start and from several processes.
 */
export async function seedDemoData(db: SqlDriver, now: Date): Promise<void> {
  const { customers, orders } = allDemoData();
  await db.tx(async (q) => {
    for (const c of customers) {
      await q.run(
        'INSERT INTO customers (customer_id, name, email, status, open_case_count) ' +
          'VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        [c.customerId, c.name, c.email, c.status, c.openCaseCount],
      );
    }
    for (const o of orders) {
      const orderedAt = daysAgo(now, o.orderedDaysAgo);
      const deliveredAt = o.deliveredDaysAgo === null ? null : daysAgo(now, o.deliveredDaysAgo);
      await q.run(
        `INSERT INTO orders (order_id, customer_id, amount_cents, status, kind, description, ordered_at, delivered_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (order_id) DO UPDATE SET ordered_at = excluded.ordered_at, delivered_at = excluded.delivered_at`,
        [o.orderId, o.customerId, o.amountCents, o.status, o.kind, o.description, orderedAt, deliveredAt],
      );
      if (o.refunded) {
        await q.run(
          `INSERT INTO refunds (refund_id, order_id, customer_id, amount_cents, reason, conversation_id,
             idempotency_key,
             created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [
            `RF-SEED-${o.orderId}`,
            o.orderId,
            o.customerId,
            o.amountCents,
            'changed_mind',
            'seed',
            `seed:${o.orderId}`,
            daysAgo(now, 2),
          ],
        );
      }
    }
  });
}

/**
 * Data a test makes for itself: a customer and their orders, inserted into the harness's database
 * (the embedded backends read them like any other). Ids are fresh per call, so tests never depend
 * on the positional ids of the demo set.
 */
import { randomBytes } from 'node:crypto';
import type { Harness } from './harness.js';
import { FIXED_NOW } from './harness.js';

const DAY = 86_400_000;
const fresh = () => randomBytes(4).toString('hex');

export interface BuiltCustomer {
  customerId: string;
  name: string;
  email: string;
}

export async function addCustomer(
  h: Harness,
  options: { name?: string; status?: 'active' | 'suspended' | 'closed' } = {},
): Promise<BuiltCustomer> {
  const id = fresh();
  const c = {
    customerId: `USR-T${id.toUpperCase()}`,
    name: options.name ?? `Test Person ${id}`,
    email: `test.${id}@example.org`,
  };
  await h.db.run('INSERT INTO customers (customer_id, name, email, status, open_case_count) VALUES (?, ?, ?, ?, 0)', [
    c.customerId,
    c.name,
    c.email,
    options.status ?? 'active',
  ]);
  return c;
}

export interface OrderSpec {
  cents: number;
  status?: 'processing' | 'shipped' | 'delivered' | 'cancelled' | 'lost_in_transit';
  kind?: 'one_time' | 'subscription';
  deliveredDaysAgo?: number | null;
  description?: string;
}

/** An order of the customer; by default delivered two days before the harness clock (refundable). */
export async function addOrder(h: Harness, customer: BuiltCustomer, spec: OrderSpec, now = FIXED_NOW): Promise<string> {
  const orderId = `ORD-${String(5_000_000 + (randomBytes(3).readUIntBE(0, 3) % 4_000_000))}`;
  const delivered = spec.deliveredDaysAgo === undefined ? 2 : spec.deliveredDaysAgo;
  const status = spec.status ?? 'delivered';
  await h.db.run(
    `INSERT INTO orders (order_id, customer_id, amount_cents, status, kind, description, ordered_at, delivered_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      orderId,
      customer.customerId,
      spec.cents,
      status,
      spec.kind ?? 'one_time',
      spec.description ?? 'Test item',
      new Date(now.getTime() - 7 * DAY).toISOString(),
      status === 'delivered' && delivered !== null ? new Date(now.getTime() - delivered * DAY).toISOString() : null,
    ],
  );
  return orderId;
}

/** What the sanitiser must keep out of this conversation's customer-visible text (I5, I7). */
import { formatUsd } from '../money.js';
import type { Loaded } from './engine.js';
import { findEmails } from './emails.js';
import { payloadOf } from './event-payloads.js';
import type { LeakContext } from './sanitizer.js';
import type { TurnDeps } from './turn.js';

export async function leakContextFor(deps: Pick<TurnDeps, 'backends' | 'store'>, loaded: Loaded): Promise<LeakContext> {
  const ctx = loaded.snapshot.context;
  const foreignTerms: string[] = [];
  for (const facts of Object.values(ctx.orders)) {
    if (facts.owned) continue;
    const order = await deps.backends.orders.getOrder(facts.orderId).catch(() => null);
    if (!order) continue;
    foreignTerms.push(order.description, formatUsd(order.amountCents), (order.amountCents / 100).toFixed(2));
    const owner = await deps.backends.crm.getCustomer(order.customerId).catch(() => null);
    if (owner) foreignTerms.push(owner.name, owner.email, ...owner.name.split(' ').filter((w) => w.length >= 4));
  }
  const events = await deps.store.listEvents(loaded.record.id);
  const written = events
    .flatMap((e) => findEmails(payloadOf(e, 'customer_message')?.text ?? ''));
  const own = ctx.customer ? [ctx.customer.email.toLowerCase()] : [];
  // a foreign name the customer wrote themselves is not a leak of ours, but we still never echo it
  return { foreignTerms, allowedEmails: [...own, ...written] };
}

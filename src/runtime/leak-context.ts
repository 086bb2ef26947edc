/** What the sanitiser must keep out of this conversation's customer-visible text (I5, I7). */
import type { Loaded } from './engine.js';
import { findEmails } from './emails.js';
import { payloadOf } from './event-payloads.js';
import type { LeakContext } from './sanitizer.js';
import type { TurnDeps } from './turn.js';

/**
 * Foreign terms come from the audit log, recorded when the foreign order was met (no backend call
 * here, so nothing fails open); allowed emails are the customer's own and those they wrote.
 */
export async function leakContextFor(deps: Pick<TurnDeps, 'store'>, loaded: Loaded): Promise<LeakContext> {
  const ctx = loaded.snapshot.context;
  const events = await deps.store.listEvents(loaded.record.id);
  const foreignTerms = events.flatMap((e) => payloadOf(e, 'foreign_terms')?.terms ?? []);
  const written = events.flatMap((e) => findEmails(payloadOf(e, 'customer_message')?.text ?? ''));
  const own = ctx.customer ? [ctx.customer.email.toLowerCase()] : [];
  return { foreignTerms, allowedEmails: [...own, ...written] };
}

/** What the sanitiser must keep out of this conversation's customer-visible text (I5, I7). */
import { findEmails } from './emails.js';
import { payloadOf } from './event-payloads.js';
import type { HeldConversation } from './held.js';
import type { LeakContext } from './sanitizer.js';

/**
 * Foreign terms come from the audit log, recorded when the foreign order was met (no backend call
 * here, so nothing fails open); allowed emails are the customer's own and those they wrote.
 */
export function leakContextFor(held: Pick<HeldConversation, 'log' | 'snapshot'>): LeakContext {
  const ctx = held.snapshot.context;
  const foreignTerms: string[] = [];
  const allowedEmails: string[] = ctx.customer ? [ctx.customer.email.toLowerCase()] : [];
  for (const e of held.log) {
    const terms = payloadOf(e, 'foreign_terms');
    if (terms) foreignTerms.push(...terms.terms);
    const said = payloadOf(e, 'customer_message');
    if (said) allowedEmails.push(...findEmails(said.text));
  }
  return { foreignTerms, allowedEmails };
}

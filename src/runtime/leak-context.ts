/** What the sanitiser must keep out of this conversation's customer-visible text (I5, I7). */
import type { StoredEvent } from '../store/types.js';
import { findEmails } from './emails.js';
import { payloadOf } from './event-payloads.js';
import type { HeldConversation } from './held.js';
import { committedPrefix } from './history.js';
import type { LeakContext } from './sanitizer.js';

type Entry = Pick<StoredEvent, 'kind' | 'payload'> & { n?: number | null };
interface Gathered {
  foreignTerms: string[];
  emails: string[];
}

function gather(into: Gathered, e: Entry): void {
  const terms = payloadOf(e, 'foreign_terms');
  if (terms) into.foreignTerms.push(...terms.terms);
  const said = payloadOf(e, 'customer_message');
  if (said) into.emails.push(...findEmails(said.text));
}

/**
 * What was gathered from a committed prefix of a log (as in history.ts: keyed by its first entry,
 * checked by its last).
 */
const gathered = new WeakMap<object, { count: number; last: object; g: Gathered }>();

/**
 * Foreign terms come from the audit log, recorded when the foreign order was met (no backend call
 * here, so nothing fails open); allowed emails are the customer's own and those they wrote. Only
 * the entries committed since the last call on the conversation are read again.
 */
export function leakContextFor(held: Pick<HeldConversation, 'log' | 'snapshot'>): LeakContext {
  const ctx = held.snapshot.context;
  const log: ReadonlyArray<Entry> = held.log;
  const committed = committedPrefix(log);
  const first = log[0];
  const memo = first && committed > 0 ? gathered.get(first) : undefined;
  let from = 0;
  let g: Gathered = { foreignTerms: [], emails: [] };
  if (memo && memo.count <= committed && log[memo.count - 1] === memo.last) {
    g = { foreignTerms: [...memo.g.foreignTerms], emails: [...memo.g.emails] };
    from = memo.count;
  }
  for (let i = from; i < committed; i++) gather(g, log[i]!);
  if (first && committed > from)
    gathered.set(first, {
      count: committed,
      last: log[committed - 1]!,
      g: { foreignTerms: [...g.foreignTerms], emails: [...g.emails] },
    });
  for (let i = committed; i < log.length; i++) gather(g, log[i]!);
  const allowedEmails: string[] = ctx.customer ? [ctx.customer.email.toLowerCase()] : [];
  allowedEmails.push(...g.emails);
  return { foreignTerms: g.foreignTerms, allowedEmails };
}

/**
 * Checks read straight from the store after every step, independent of the oracle's model of the
 * conversation: every refund (and every refund effect, paid or not) carries the consent the
 * invariants demand, in the conversation's own audit log.
 *
 * - I13 (confirmation on): a customer's yes to an offer of exactly that order and amount, never
 *   one that was declined or withdrawn first; a yes whose digest is the offer's.
 * - I14: above the limit, a supervisor's approval of a request for exactly that order and amount,
 *   by its id, before its deadline, and only one approval per request.
 * - I3: never above the limit without I14's chain; the refund's amount is the chain's amount.
 */
import { APPROVAL_HOURS, LIMIT_CENTS } from './oracle.js';
import type { Sut } from './sut.js';

type Row = Record<string, unknown>;
type Fact = { event: Record<string, unknown> & { type: string }; from: string; to: string; awaiting?: Row | null };

interface Start {
  orderId: string;
  cents: number;
  how: 'confirmed' | 'approved' | 'direct';
  /** The approval request behind it came from a confirmed offer. */
  confirmed: boolean;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const cents = (usd: unknown) => (typeof usd === 'number' ? Math.round(usd * 100) : Number.NaN);

/** Problems in the refund chains of every conversation that has a refund effect. */
export async function auditRefunds(sut: Sut): Promise<string[]> {
  const effects = await sut.db.all<Row>("SELECT conversation_id, request FROM effects WHERE kind = 'refund'");
  const paid = await sut.db.all<Row>(
    "SELECT order_id, amount_cents, conversation_id FROM refunds WHERE conversation_id <> 'seed'",
  );
  if (effects.length === 0 && paid.length === 0) return [];
  const problems: string[] = [];
  const wanted = effects.map((e) => {
    const r = JSON.parse(String(e.request)) as { orderId: string; amountCents: number };
    return { conversation: String(e.conversation_id), orderId: r.orderId, cents: r.amountCents };
  });
  for (const p of paid)
    if (
      !wanted.some(
        (w) => w.orderId === p.order_id && w.cents === Number(p.amount_cents) && w.conversation === p.conversation_id,
      )
    )
      problems.push(`refund of ${String(p.order_id)} (${Number(p.amount_cents)}) paid without its outbox effect`);
  const byConversation = new Map<string, typeof wanted>();
  for (const w of wanted) byConversation.set(w.conversation, [...(byConversation.get(w.conversation) ?? []), w]);
  for (const [conversationId, refunds] of byConversation) {
    const rows = await sut.db.all<Row>(
      "SELECT payload, created_at FROM events WHERE conversation_id = ? AND kind = 'fact' ORDER BY seq",
      [conversationId],
    );
    const facts = rows.map((r) => ({ fact: JSON.parse(String(r.payload)) as Fact, at: String(r.created_at) }));
    const { starts, problems: chain } = chains(facts);
    problems.push(...chain);
    for (const r of refunds) {
      const label = `refund effect of ${r.orderId} (${r.cents} cents)`;
      const start = starts.find((s) => s.orderId === r.orderId && s.cents === r.cents);
      if (!start) {
        problems.push(`${label} has no accepted decision for that order and amount in its audit log`);
        continue;
      }
      if (r.cents > LIMIT_CENTS && start.how !== 'approved')
        problems.push(`I14: ${label} above the limit without a supervisor's approval`);
      if (sut.profile === 'confirm' && start.how === 'direct')
        problems.push(`I13: ${label} without the customer's yes`);
      if (sut.profile === 'confirm' && start.how === 'approved' && !start.confirmed)
        problems.push(`I13: ${label} approved for a request the customer never confirmed`);
    }
  }
  return problems;
}

/** Walks a conversation's facts: offers, answers, approval requests and decisions; what started each refund. */
function chains(facts: Array<{ fact: Fact; at: string }>): { starts: Start[]; problems: string[] } {
  const offers = new Map<string, { orderId: string; cents: number; digest: string; closed: string | null }>();
  const requests = new Map<
    string,
    { orderId: string; cents: number; at: number; confirmed: boolean; approvals: number }
  >();
  const starts: Start[] = [];
  const problems: string[] = [];
  const noteRequest = (f: Fact, at: string, confirmed: boolean, expect?: { orderId: string; cents: number }) => {
    const a = f.awaiting;
    if (!a || a.kind !== 'approval')
      return void problems.push(`${f.event.type} moved to ${f.to} without an approval request`);
    const request = { orderId: str(a.order_id), cents: cents(a.amount), at: Date.parse(at), confirmed, approvals: 0 };
    if (expect && (expect.orderId !== request.orderId || expect.cents !== request.cents))
      problems.push(
        `I13: the yes to an offer of ${expect.orderId} (${expect.cents}) ` +
          `asked approval of ${request.orderId} (${request.cents})`,
      );
    requests.set(str(a.request_id), request);
  };
  for (const { fact: f, at } of facts) {
    const e = f.event;
    switch (e.type) {
      case 'propose.process_refund': {
        const terms = e.terms as { offerId: string; digest: string; amountCents: number };
        const orderId = str(e.orderId);
        if (f.to === 'awaiting-confirmation')
          offers.set(terms.offerId, { orderId, cents: terms.amountCents, digest: terms.digest, closed: null });
        else if (f.to === 'refund-pending')
          starts.push({ orderId, cents: terms.amountCents, how: 'direct', confirmed: false });
        else if (f.to === 'awaiting-approval') noteRequest(f, at, false);
        break;
      }
      case 'customer.confirmed':
      case 'propose.confirm_refund': {
        const offer = offers.get(str(e.offerId));
        if (!offer) {
          problems.push(`I13: ${e.type} of an offer never made (${str(e.offerId)})`);
          break;
        }
        if (offer.closed) problems.push(`I13: ${e.type} of an offer already ${offer.closed} (${offer.orderId})`);
        if (e.type === 'customer.confirmed' && e.digest !== offer.digest)
          problems.push(`I13: a yes with another digest than the offer's`);
        offer.closed = 'confirmed';
        if (f.to === 'awaiting-approval') noteRequest(f, at, true, offer);
        else starts.push({ orderId: offer.orderId, cents: offer.cents, how: 'confirmed', confirmed: true });
        break;
      }
      case 'customer.declined':
      case 'offer.withdrawn': {
        const offer = offers.get(str(e.offerId));
        if (offer) offer.closed ??= e.type === 'customer.declined' ? 'declined' : 'withdrawn';
        break;
      }
      case 'operator.approve': {
        const request = requests.get(str(e.requestId));
        if (!request) {
          problems.push(`I14: approval of a request never made (${str(e.requestId)})`);
          break;
        }
        if (e.role !== 'supervisor') problems.push(`I14: approval by a ${str(e.role)}`);
        if (Date.parse(str(e.at)) > request.at + APPROVAL_HOURS * 3_600_000)
          problems.push('I14: approval after the deadline');
        if (++request.approvals > 1)
          problems.push(`I14: request ${str(e.requestId)} approved ${request.approvals} times`);
        starts.push({ orderId: request.orderId, cents: request.cents, how: 'approved', confirmed: request.confirmed });
        break;
      }
    }
  }
  return { starts, problems };
}

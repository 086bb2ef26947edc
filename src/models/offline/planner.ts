/**
 * The offline planner's decision: which tool calls to propose now, given the history and the
 * state facts. Never trusted: the machine refuses what the policy does not allow. It only has to
 * be helpful, propose each action at most once per turn, and stop (reply) when nothing is left.
 */
import type { StateFacts } from '../types.js';
import type { RefundReason } from './extract.js';
import { type Analysis, callKey, lastLookup, str, turnCalls } from './conversation.js';

export interface Proposal {
  name: 'get_customer' | 'lookup_order' | 'process_refund' | 'escalate_to_human';
  input: Record<string, unknown>;
}

/** Orders the customer wrote that still need a lookup, oldest mention first. */
export function ordersToLookUp(a: Analysis, facts: StateFacts): string[] {
  const known = new Set(facts.orders.map((o) => o.orderId));
  const out: string[] = [];
  for (const req of [...a.orders.values()].sort((x, y) => x.mentionedAt - y.mentionedAt)) {
    if (known.has(req.orderId)) continue;
    // a lookup that ran (e.g. "not found") after the last mention is not repeated until the customer writes it again
    const ran = lastLookup(a, req.orderId);
    if (ran && ran.at > req.mentionedAt) continue;
    out.push(req.orderId);
  }
  return out;
}

/** The email to verify: the latest one the customer gave that has not failed. */
export function emailToVerify(a: Analysis, facts: StateFacts): string | null {
  const failed = new Set(facts.unknownEmails.map((e) => e.toLowerCase()));
  for (let i = a.emails.length - 1; i >= 0; i--) {
    const e = a.emails[i]!;
    if (!failed.has(e)) return e;
  }
  return null;
}

/** The refund reason to propose: the customer's words, else the best match for the order. */
export function reasonFor(a: Analysis, orderId: string): RefundReason {
  const req = a.orders.get(orderId);
  if (req?.reason) return req.reason;
  const status = str(lastLookup(a, orderId)?.result?.json?.status);
  if (status === 'lost_in_transit' || status === 'shipped') return 'not_received';
  return 'changed_mind';
}

/** Orders the customer wants refunded that the facts say can be proposed (approval ones included: the system escalates them). */
export function refundsToPropose(a: Analysis, facts: StateFacts): string[] {
  if (facts.pendingRefund || facts.escalation) return [];
  const out: string[] = [];
  for (const o of facts.orders) {
    const req = a.orders.get(o.orderId);
    if (req?.intent !== 'refund') continue;
    if (o.owned && o.eligible && !o.refunded) out.push(o.orderId);
  }
  return out;
}

function escalationContext(a: Analysis, facts: StateFacts, why = 'The customer asked to speak to a person.'): string {
  const who = facts.customer ? `Verified customer ${facts.customer.name} (${facts.customer.email}).` : 'Customer not verified yet.';
  const orders = [...a.orders.keys()];
  const about = orders.length ? ` Orders mentioned: ${orders.join(', ')}.` : '';
  const said = a.latest ? ` Latest message: "${a.latest.text.slice(0, 200)}"` : '';
  return `${why} ${who}${about}${said}`;
}

/** The proposals for this call; empty means: reply now. */
export function planTools(a: Analysis, facts: StateFacts): Proposal[] {
  if (facts.escalation) return [];
  const tried = new Set(turnCalls(a).map((c) => callKey(c.name, c.input)));
  const fresh = (p: Proposal) => !tried.has(callKey(p.name, p.input));
  const allowed = (name: string) => facts.allowedTools.includes(name);

  // a request for a person that the code-level triggers did not catch
  if (a.latest?.signals.wantsHuman && allowed('escalate_to_human')) {
    const p: Proposal = { name: 'escalate_to_human', input: { reason: 'customer_distress', priority: 'P1', context: escalationContext(a, facts) } };
    if (fresh(p)) return [p];
  }

  // "yes" to "Would you like me to pass this to a member of our team?"
  if (a.acceptedTeamOffer && allowed('escalate_to_human')) {
    const disputed = facts.orders.some((o) => o.owned && !o.eligible && !o.refunded && a.orders.get(o.orderId)?.intent === 'refund');
    const p: Proposal = {
      name: 'escalate_to_human',
      input: { reason: disputed ? 'policy_exception' : 'complexity', priority: 'P3', context: escalationContext(a, facts, 'The customer accepted an offer to have a person review their request.') },
    };
    if (fresh(p)) return [p];
  }

  if (!facts.customer) {
    const email = emailToVerify(a, facts);
    if (!email || !allowed('get_customer')) return [];
    const verify: Proposal = { name: 'get_customer', input: { email } };
    if (!fresh(verify)) return [];
    // the machine runs them in order: the lookups follow the verification (fewer round trips)
    const lookups = ordersToLookUp(a, facts).map((id): Proposal => ({ name: 'lookup_order', input: { order_id: id } }));
    return [verify, ...lookups];
  }

  if (allowed('lookup_order')) {
    const lookups = ordersToLookUp(a, facts)
      .map((id): Proposal => ({ name: 'lookup_order', input: { order_id: id } }))
      .filter(fresh);
    if (lookups.length) return lookups;
  }

  return refundsToPropose(a, facts)
    .map((id): Proposal => ({ name: 'process_refund', input: { order_id: id, reason: reasonFor(a, id) } }))
    .filter(fresh);
}

/**
 * The offline planner's decision: which tool calls to propose now, given the history and the
 * state facts. Never trusted: the machine refuses what the policy does not allow. It only has to
 * be helpful, propose at most 4 calls per response and one per tool and order per turn, and stop
 * (reply) when nothing is left.
 */
import type { StateFacts } from '../types.js';
import { offeredEmail } from './emails.js';
import type { RefundReason } from './extract.js';
import { type Analysis, callKey, lastLookup, str, turnCalls } from './conversation.js';

export interface Proposal {
  name: 'get_customer' | 'verify_code' | 'lookup_order' | 'process_refund' | 'escalate_to_human';
  input: Record<string, unknown>;
}

/** Proposals per response (the runtime enforces the same cap for every model). */
export const MAX_PROPOSALS = 4;

/** Orders the customer wrote that still need a lookup, oldest mention first. */
export function ordersToLookUp(a: Analysis, facts: StateFacts): string[] {
  const known = new Set(facts.orders.map((o) => o.orderId));
  const out: string[] = [];
  for (const req of [...a.orders.values()].sort((x, y) => x.mentionedAt - y.mentionedAt)) {
    if (known.has(req.orderId)) continue;
    // a lookup that ran (e.g. "not found") after the last mention is not repeated until the customer writes it again;
    // a refused one (before verification) did not run
    const ran = lastLookup(a, req.orderId);
    if (ran?.result?.json && ran.at > req.mentionedAt) continue;
    out.push(req.orderId);
  }
  return out;
}

export type EmailChoice =
  | { kind: 'email'; email: string }
  | { kind: 'ambiguous' }
  | { kind: 'others-only' }
  | { kind: 'failed'; email: string }
  | { kind: 'none' };

/**
 * The email to verify: from the latest message that offers one, the one the customer called
 * theirs, else the only one they wrote; never one introduced as someone else's (I16).
 */
export function emailChoice(a: Analysis, facts: StateFacts): EmailChoice {
  const failed = new Set(facts.unknownEmails.map((e) => e.toLowerCase()));
  let othersOnly = false;
  for (let i = a.messages.length - 1; i >= 0; i--) {
    const mentions = a.messages[i]!.signals.emails;
    if (!mentions.length) continue;
    const offered = offeredEmail(mentions, failed);
    if (offered === 'ambiguous') return { kind: 'ambiguous' };
    if (offered) return { kind: 'email', email: offered };
    if (mentions.every((m) => m.owner === 'other')) othersOnly = true;
  }
  const lastFailed = [...a.emails].reverse().find((e) => failed.has(e));
  if (lastFailed) return { kind: 'failed', email: lastFailed };
  return othersOnly ? { kind: 'others-only' } : { kind: 'none' };
}

export function emailToVerify(a: Analysis, facts: StateFacts): string | null {
  const c = emailChoice(a, facts);
  return c.kind === 'email' ? c.email : null;
}

/** The refund reason to propose: the customer's words, else the best match for the order. */
export function reasonFor(a: Analysis, orderId: string): RefundReason {
  const req = a.orders.get(orderId);
  if (req?.reason) return req.reason;
  const status = str(lastLookup(a, orderId)?.result?.json?.status);
  if (status === 'lost_in_transit' || status === 'shipped') return 'not_received';
  return 'changed_mind';
}

/**
 * Orders the customer wants refunded that can be proposed now, those within the autonomous
 * limit first (an approval escalates, and only one offer waits at a time). A request answered by
 * an offer needs a newer request: a declined offer is not offered again unasked.
 */
export function refundsToPropose(a: Analysis, facts: StateFacts): string[] {
  if (facts.pendingRefund || facts.escalation || facts.awaiting) return [];
  const out: Array<{ id: string; approval: boolean }> = [];
  for (const o of facts.orders) {
    const req = a.orders.get(o.orderId);
    if (req?.intent !== 'refund' || !o.owned || !o.eligible || o.refunded) continue;
    if (req.touchedAt <= (a.offers.get(o.orderId) ?? -1)) continue;
    out.push({ id: o.orderId, approval: o.needsApproval });
  }
  return [...out.filter((x) => !x.approval), ...out.filter((x) => x.approval)].map((x) => x.id);
}

function escalationContext(a: Analysis, facts: StateFacts, why: string): string {
  const who = facts.customer
    ? `Verified customer ${facts.customer.name} (${facts.customer.email}).`
    : 'Customer not verified yet.';
  const orders = [...a.orders.keys()];
  const about = orders.length ? ` Orders mentioned: ${orders.join(', ')}.` : '';
  const said = a.latest ? ` Latest message: "${a.latest.text.slice(0, 200)}"` : '';
  return `${why} ${who}${about}${said}`;
}

const ALARM_WHY = {
  self_harm: 'The customer may be in distress (words about self-harm).',
  legal: 'The customer mentioned legal action.',
  fraud: 'The customer reports fraud or unauthorised use of their account or card.',
} as const;

function handOver(a: Analysis, facts: StateFacts): Proposal | null {
  const s = a.afterHandback ? null : a.latest?.signals;
  if (s?.alarm) {
    const reason = s.alarm === 'fraud' ? 'fraud_suspected' : 'customer_distress';
    return {
      name: 'escalate_to_human',
      input: { reason, priority: 'P1', context: escalationContext(a, facts, ALARM_WHY[s.alarm]) },
    };
  }
  if (s?.wantsHuman) {
    const context = escalationContext(a, facts, 'The customer asked to speak to a person.');
    return { name: 'escalate_to_human', input: { reason: 'customer_distress', priority: 'P1', context } };
  }
  if (a.acceptedTeamOffer) {
    const disputed = facts.orders.some(
      (o) => o.owned && !o.eligible && !o.refunded && a.orders.get(o.orderId)?.intent === 'refund',
    );
    const why = 'The customer accepted an offer to have a person review their request.';
    const reason = disputed ? 'policy_exception' : 'complexity';
    return { name: 'escalate_to_human', input: { reason, priority: 'P3', context: escalationContext(a, facts, why) } };
  }
  return null;
}

/** The proposals for this call; empty means: reply now. */
export function planTools(a: Analysis, facts: StateFacts): Proposal[] {
  if (facts.escalation) return [];
  const tried = new Set(turnCalls(a).map((c) => callKey(c.name, c.input)));
  const fresh = (p: Proposal) => !tried.has(callKey(p.name, p.input));
  const allowed = (name: string) => facts.allowedTools.includes(name);
  const cap = (ps: Proposal[]) => ps.filter(fresh).slice(0, MAX_PROPOSALS);
  const lookups = () =>
    ordersToLookUp(a, facts).map((id): Proposal => ({ name: 'lookup_order', input: { order_id: id } }));

  const person = handOver(a, facts);
  if (person && allowed('escalate_to_human') && fresh(person)) return [person];

  if (!facts.customer) {
    const code = a.afterHandback ? null : (a.latest?.signals.code ?? null);
    if (code && allowed('verify_code')) {
      const p: Proposal = { name: 'verify_code', input: { code } };
      return fresh(p) ? cap([p, ...lookups()]) : [];
    }
    if (facts.awaiting?.kind === 'code') return [];
    const email = emailToVerify(a, facts);
    if (!email || !allowed('get_customer')) return [];
    const verify: Proposal = { name: 'get_customer', input: { email } };
    // the machine runs them in order: the lookups follow the verification (fewer round trips)
    return fresh(verify) ? cap([verify, ...lookups()]) : [];
  }

  if (allowed('lookup_order')) {
    const ps = cap(lookups());
    if (ps.length) return ps;
  }
  if (!allowed('process_refund')) return [];
  // one refund at a time: each becomes an offer the customer answers (or, without confirmation, a refund)
  const next = refundsToPropose(a, facts)
    .map((id): Proposal => ({ name: 'process_refund', input: { order_id: id, reason: reasonFor(a, id) } }))
    .find(fresh);
  return next ? [next] : [];
}

/**
 * One proposal, decided: validate the input, ask the machine, then run it (reads), execute its
 * outbox effect (writes, escalations) or refuse it. Every proposal is recorded (I11); a refusal
 * goes back to the model as an is_error tool_result.
 */
import { explainRejection, type Rejection } from '../machines/conversation.rules.js';
import { formatUsd } from '../money.js';
import { findTool } from '../tools/registry.js';
import { lookupOrderTool } from '../tools/lookup-order.js';
import { isRejection, type ToolDeps } from '../tools/types.js';
import type { ToolResultBlock, ToolUseBlock } from '../models/types.js';
import { refundKey } from '../machines/conversation.context.js';
import type { NewEvent } from '../store/types.js';
import { stateOf } from './conversation-state.js';
import type { EffectOutcome, Loaded } from './engine.js';
import { expectedWait } from './prompt.js';
import { withRetries } from './retry.js';
import type { TurnDeps } from './turn.js';
import type { ProposalRecord, TurnEvent } from './types.js';

/** The dependencies tools run with, over the turn's backends and store. */
function toolDeps(deps: TurnDeps): ToolDeps {
  return {
    backends: deps.backends,
    policy: deps.policy,
    clock: deps.clock,
    refundEffect: async (orderId) => {
      const effect = await deps.store.getEffect(refundKey(orderId));
      return effect ? effect.status : null;
    },
  };
}

/**
 * Re-reads an order already looked up in this conversation and records its facts again if they
 * changed (I2/I3 hold at refund time, not only at lookup). Orders not looked up are left to the machine.
 */
async function refreshOrderFacts(deps: TurnDeps, loaded: Loaded, orderId: string): Promise<'unchanged' | 'changed' | 'unavailable' | 'not_checked'> {
  const known = loaded.snapshot.context.orders[orderId];
  if (!known?.owned || known.refunded || loaded.snapshot.context.escalation) return 'not_checked';
  const run = lookupOrderTool.run;
  if (!run) return 'unavailable';
  let outcome;
  try {
    outcome = await withRetries(() => run({ order_id: orderId }, loaded.snapshot.context, toolDeps(deps)), deps.retry);
  } catch {
    return 'unavailable';
  }
  const fact = outcome.fact;
  if (fact.type !== 'order.checked') return 'unavailable'; // the order vanished: refuse rather than guess
  const f = fact.facts;
  const same = f.owned === known.owned && f.eligible === known.eligible && f.needsApproval === known.needsApproval && f.refunded === known.refunded && f.refundableCents === known.refundableCents && f.ineligibleCode === known.ineligibleCode;
  if (same) return 'unchanged';
  await deps.engine.apply(loaded, fact);
  return 'changed';
}

/** Tool inputs are small (an email, an order id, a sentence of context); anything larger is refused. */
export const MAX_TOOL_INPUT_CHARS = 8_192;

export interface Decision {
  block: ToolResultBlock;
  progressed: boolean;
}

/** Decides one proposal: validate, ask the machine, run or refuse; records it either way (I11). */
export async function decide(deps: TurnDeps, loaded: Loaded, use: ToolUseBlock, emit: (e: TurnEvent) => void): Promise<Decision> {
  const { engine } = deps;
  // a huge input is refused before it is stored or echoed anywhere
  const oversized = (JSON.stringify(use.input) ?? '').length > MAX_TOOL_INPUT_CHARS;
  if (oversized) use = { ...use, input: { oversized: true } };
  const state = stateOf(loaded.snapshot);
  emit({ type: 'tool_call', tool_use_id: use.id, name: use.name, input: use.input });

  const record = (decision: 'accepted' | 'rejected', reason: string, rejection?: Rejection): NewEvent => ({
    kind: 'proposal',
    payload: {
      toolUseId: use.id,
      tool: use.name,
      input: use.input,
      state,
      decision,
      code: rejection?.code ?? null,
      invariant: rejection?.invariant ?? null,
      reason,
    } satisfies ProposalRecord,
  });
  const refuse = async (rejection: Rejection, extra: string = ''): Promise<Decision> => {
    await deps.store.appendEvents(loaded.record.id, loaded.turn, [record('rejected', rejection.message, rejection)]);
    emit({ type: 'tool_rejected', tool_use_id: use.id, name: use.name, reason: rejection.message });
    return { block: { type: 'tool_result', tool_use_id: use.id, content: `${rejection.message}${extra}`, is_error: true }, progressed: false };
  };

  const tool = findTool(use.name);
  if (!tool) return refuse({ code: 'UNKNOWN_TOOL', invariant: 'I11', message: 'There is no such tool. Use only the tools provided.' });
  if (oversized) return refuse({ code: 'INVALID_INPUT', invariant: 'I11', message: `Input too large for ${tool.name}. Send only the fields it takes.` });
  const parsed = tool.input.safeParse(use.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return refuse({ code: 'INVALID_INPUT', invariant: 'I11', message: `Invalid input for ${tool.name} (${issues}). Correct it and try again.` });
  }
  const proposal = tool.toEvent(parsed.data, loaded.snapshot.context);
  if (isRejection(proposal)) return refuse(proposal);
  if (proposal.type === 'propose.process_refund') {
    // facts from lookup may be stale (the clock, the policy or the order moved on): re-check first
    const refreshed = await refreshOrderFacts(deps, loaded, proposal.orderId);
    if (refreshed === 'unavailable')
      return refuse({ code: 'NOT_ALLOWED_NOW', invariant: 'I8', message: 'The order system is not responding, so the refund cannot be checked now. Tell the customer to try again shortly.' });
  }
  if (!loaded.snapshot.can(proposal)) {
    const rejection = explainRejection(loaded.snapshot.context, proposal);
    if (rejection.code === 'LIMIT_EXCEEDED' && proposal.type === 'propose.process_refund') {
      // I3: above the limit is a P2 ticket, never a refund
      await deps.store.appendEvents(loaded.record.id, loaded.turn, [record('rejected', rejection.message, rejection)]);
      emit({ type: 'tool_rejected', tool_use_id: use.id, name: use.name, reason: rejection.message });
      const esc = await engine.apply(loaded, { type: 'escalate', reason: 'policy_exception', priority: 'P2', source: 'policy', summary: `Refund of order ${proposal.orderId} needs supervisor approval (above the autonomous limit).`, orderId: proposal.orderId });
      if (esc.ok) await engine.runEffects(loaded, esc.effects);
      const t = loaded.snapshot.context.escalation;
      return {
        block: { type: 'tool_result', tool_use_id: use.id, content: `This refund needs supervisor approval, so it was not made. A ${t?.priority ?? 'P2'} ticket${t?.ticketId ? ` ${t.ticketId}` : ''} is open; tell the customer a specialist will review it within ${expectedWait(t?.priority ?? 'P2')}.`, is_error: true },
        progressed: true,
      };
    }
    return refuse(rejection);
  }

  // accepted: the proposal is committed with the machine's new snapshot (and any effect row)
  const accepted = await engine.apply(loaded, proposal, { events: [record('accepted', `Allowed in state ${state}.`)] });
  if (!accepted.ok) {
    if (accepted.reason === 'duplicate_effect' && proposal.type === 'propose.process_refund') {
      // another conversation took this order's refund key meanwhile: say what is true, and record it
      const status = await toolDeps(deps).refundEffect(proposal.orderId);
      const message =
        status === 'done'
          ? 'That order has already been refunded (in another conversation); do not refund it again. Tell the customer it is already refunded.'
          : status === 'pending'
            ? 'A refund of that order is already being processed (in another conversation); do not refund it again. Tell the customer it is being confirmed.'
            : 'An earlier refund of that order was declined by the payment provider; it cannot be refunded here. Offer to pass it to a person.';
      const decision = await refuse({ code: 'DUPLICATE', invariant: 'I4', message });
      const known = loaded.snapshot.context.orders[proposal.orderId];
      const ineligibleCode = status === 'done' ? 'ALREADY_REFUNDED' : status === 'pending' ? 'REFUND_IN_PROGRESS' : 'REFUND_DECLINED';
      if (known) await engine.apply(loaded, { type: 'order.checked', facts: { ...known, eligible: false, ineligibleCode, refundableCents: 0, refunded: status === 'done' } });
      return decision;
    }
    return refuse(explainRejection(loaded.snapshot.context, proposal));
  }

  if (tool.run) {
    const deps2 = toolDeps(deps);
    let outcome;
    try {
      const run = tool.run;
      outcome = await withRetries(() => run(parsed.data, loaded.snapshot.context, deps2), deps.retry);
    } catch {
      // I8: retried and still failing: P2 tool_failure ticket
      const esc = await engine.apply(loaded, { type: 'escalate', reason: 'tool_failure', priority: 'P2', source: 'failure', summary: `The ${tool.name} call kept failing after retries.`, orderId: null });
      if (esc.ok) await engine.runEffects(loaded, esc.effects);
      const content = 'That system is not responding right now; the conversation has been passed to a human agent. Apologise and tell the customer someone will follow up.';
      emit({ type: 'tool_result', tool_use_id: use.id, name: use.name, result: { error: 'temporarily unavailable' }, is_error: true });
      return { block: { type: 'tool_result', tool_use_id: use.id, content, is_error: true }, progressed: false };
    }
    const fact = await engine.apply(loaded, outcome.fact, {
      events: outcome.foreignTerms?.length ? [{ kind: 'foreign_terms', payload: { terms: outcome.foreignTerms } }] : [],
    });
    if (fact.ok && fact.effects.length) await engine.runEffects(loaded, fact.effects);
    emit({ type: 'tool_result', tool_use_id: use.id, name: use.name, result: outcome.result, is_error: outcome.isError ?? false });
    return { block: { type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(outcome.result), is_error: outcome.isError ?? false }, progressed: outcome.progressed };
  }

  // writes and escalations: the outbox effect runs now, exactly once per idempotency key
  const outcomes = await engine.runEffects(loaded, accepted.effects);
  // another worker (the sweep) may have finished the effect first: describe what is stored, not a stale copy
  if (outcomes.length === 0) await engine.reload(loaded);
  const result = describeOutcomes(outcomes, loaded);
  emit({ type: 'tool_result', tool_use_id: use.id, name: use.name, result: result.forCustomer, is_error: result.isError });
  return { block: { type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(result.forModel), is_error: result.isError }, progressed: result.progressed };
}

function describeOutcomes(outcomes: EffectOutcome[], loaded: Loaded): { forModel: unknown; forCustomer: unknown; isError: boolean; progressed: boolean } {
  const refund = outcomes.find((o) => o.kind === 'refund');
  const ticket = outcomes.find((o) => o.kind === 'ticket');
  if (refund?.status === 'done') {
    const r = { refund_id: refund.refundId, status: 'processed', amount: formatUsd(refund.amountCents), processed_at: refund.processedAt };
    return { forModel: r, forCustomer: r, isError: false, progressed: true };
  }
  if (refund?.status === 'failed') {
    const r = { status: 'declined', message: 'The payment provider declined the refund; a human agent will follow up.' };
    return { forModel: r, forCustomer: { status: 'declined' }, isError: true, progressed: false };
  }
  if (refund?.status === 'unknown' || loaded.snapshot.context.pendingRefund) {
    const r = { status: 'confirming', message: 'The refund was submitted and is being confirmed with the payment provider. Do not say it failed or succeeded; say it is being confirmed.' };
    return { forModel: r, forCustomer: { status: 'confirming' }, isError: false, progressed: true };
  }
  const esc = loaded.snapshot.context.escalation;
  if (ticket?.status === 'done' || esc) {
    const r = { ticket_id: ticket?.status === 'done' ? ticket.ticketId : esc?.ticketId ?? null, status: 'open', priority: esc?.priority ?? 'P2', estimated_response_time: expectedWait(esc?.priority ?? 'P2') };
    return { forModel: r, forCustomer: r, isError: false, progressed: true };
  }
  return { forModel: { status: 'done' }, forCustomer: { status: 'done' }, isError: false, progressed: false };
}

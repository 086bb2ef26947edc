/**
 * One proposal, decided: validate the input, ask the machine, then run it (reads), execute its
 * outbox effect (writes, escalations) or refuse it. Every proposal is recorded (I11); a refusal
 * goes back to the model as an is_error tool_result.
 */
import { explainRejection, type Rejection } from '../machines/conversation.rules.js';
import { formatUsd } from '../money.js';
import { findTool } from '../tools/registry.js';
import { isRejection, type ToolDeps } from '../tools/types.js';
import type { ToolResultBlock, ToolUseBlock } from '../models/types.js';
import type { NewEvent } from '../store/types.js';
import { stateOf } from './conversation-state.js';
import type { EffectOutcome, Loaded } from './engine.js';
import { expectedWait } from './prompt.js';
import { withRetries } from './retry.js';
import type { LeakContext } from './sanitizer.js';
import type { TurnDeps } from './turn.js';
import type { ProposalRecord, TurnEvent } from './types.js';

export interface Decision {
  block: ToolResultBlock;
  progressed: boolean;
}

/** Decides one proposal: validate, ask the machine, run or refuse; records it either way (I11). */
export async function decide(deps: TurnDeps, loaded: Loaded, use: ToolUseBlock, emit: (e: TurnEvent) => void, leak: LeakContext): Promise<Decision> {
  const { engine, sanitizer } = deps;
  const state = stateOf(loaded.snapshot);
  const safeForCustomer = (value: unknown) => (sanitizer.leakIn(JSON.stringify(value) ?? '', leak) ? { redacted: true } : value);
  emit({ type: 'tool_call', tool_use_id: use.id, name: use.name, input: safeForCustomer(use.input) });

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
  if (!tool) return refuse({ code: 'UNKNOWN_TOOL', invariant: 'I11', message: `There is no tool named "${String(use.name).slice(0, 60)}". Use only the tools provided.` });
  const parsed = tool.input.safeParse(use.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return refuse({ code: 'INVALID_INPUT', invariant: 'I11', message: `Invalid input for ${tool.name} (${issues}). Correct it and try again.` });
  }
  const proposal = tool.toEvent(parsed.data, loaded.snapshot.context);
  if (isRejection(proposal)) return refuse(proposal);
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
    if (accepted.reason === 'duplicate_effect') {
      const decision = await refuse({ code: 'DUPLICATE', invariant: 'I4', message: 'That order has already been refunded (another conversation refunded it); do not refund it again. Tell the customer it is already refunded.' });
      // the facts this conversation had were stale: record what is true now
      const known = proposal.type === 'propose.process_refund' ? loaded.snapshot.context.orders[proposal.orderId] : undefined;
      if (known) await engine.apply(loaded, { type: 'order.checked', facts: { ...known, eligible: false, ineligibleCode: 'ALREADY_REFUNDED', refundableCents: 0, refunded: true } });
      return decision;
    }
    return refuse(explainRejection(loaded.snapshot.context, proposal));
  }

  if (tool.run) {
    const deps2: ToolDeps = {
      backends: deps.backends,
      policy: deps.policy,
      clock: deps.clock,
      refundInFlight: async (orderId) => {
        const effect = await deps.store.getEffect(`refund:${orderId}`);
        return effect !== null && effect.status !== 'failed';
      },
    };
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
    const fact = await engine.apply(loaded, outcome.fact);
    if (fact.ok && fact.effects.length) await engine.runEffects(loaded, fact.effects);
    emit({ type: 'tool_result', tool_use_id: use.id, name: use.name, result: safeForCustomer(outcome.result), is_error: outcome.isError ?? false });
    return { block: { type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(outcome.result), is_error: outcome.isError ?? false }, progressed: outcome.progressed };
  }

  // writes and escalations: the outbox effect runs now, exactly once per idempotency key
  const outcomes = await engine.runEffects(loaded, accepted.effects);
  const result = describeOutcomes(outcomes, loaded);
  emit({ type: 'tool_result', tool_use_id: use.id, name: use.name, result: safeForCustomer(result.forCustomer), is_error: result.isError });
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

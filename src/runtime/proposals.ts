/**
 * One proposal, decided: validate the input, ask the machine, then run it (reads) or let its
 * effects run (decisions), or refuse it. Every proposal is recorded (I11); a refusal goes back to
 * the model (or MCP client) as an error result with one sentence it can act on. Everything about
 * a particular tool comes from its definition.
 */
import type { ProposalSource } from '../machines/conversation.context.js';
import type { ProposalEvent } from '../machines/conversation.events.js';
import { explainProposal, reject, type Rejection } from '../machines/conversation.rules.js';
import type { ToolResultBlock, ToolUseBlock } from '../models/types.js';
import type { Clock } from '../policy.js';
import type { NewEvent } from '../store/types.js';
import { isRejection, type Toolset, type ToolDeps, type ToolDefinition } from '../tools/types.js';
import type { Engine } from './engine.js';
import type { HeldConversation } from './held.js';
import { stateOf, step } from './machine-steps.js';
import { settleTakenRefund } from './refund-races.js';
import { withRetries, type RetryOptions } from '../retry.js';
import { toolEnv } from './tool-env.js';
import type { ProposalRecord, TurnEvent } from './types.js';
import { RateLimitedError, type Limits } from './limits.js';

/** Tool inputs are small (an email, an order id, a sentence of context); anything larger is refused. */
export const MAX_TOOL_INPUT_CHARS = 8_192;

export interface ProposalDeps {
  engine: Engine;
  toolset: Toolset;
  toolDeps: ToolDeps;
  retry: RetryOptions;
  clock: Clock;
  store: Parameters<typeof settleTakenRefund>[0]['store'];
  /** Told of every decision (logs, metrics, traces). */
  decided?: (conversationId: string, record: ProposalRecord) => void;
  /** Quotas: one `verify` per verification attempt, one `ticket` per escalation, per client. */
  limits?: Limits;
}

export interface ProposalScope {
  held: HeldConversation;
  via: ProposalSource;
  /** The client address the turn came from (quotas), when known. */
  client?: string;
  emit: (e: TurnEvent) => void;
  /** Keys of proposals already decided in this turn (one per order and tool per turn). */
  seen: Set<string>;
}

export interface Decision {
  block: ToolResultBlock;
  progressed: boolean;
  /** What the customer may see of the result (MCP returns it as structured content). */
  result: Record<string, unknown>;
  accepted: boolean;
}

/** One per order and tool (and per email for verification) in a turn. */
function proposalKey(event: ProposalEvent): string {
  if ('orderId' in event && event.orderId) return `${event.type}:${event.orderId}`;
  if (event.type === 'propose.get_customer') return `${event.type}:${event.email}`;
  return event.type;
}

/** Decides one proposal; records it either way (I11). */
export async function decide(deps: ProposalDeps, scope: ProposalScope, use: ToolUseBlock): Promise<Decision> {
  const { engine } = deps;
  const { held, via, emit } = scope;
  const oversized = (JSON.stringify(use.input) ?? '').length > MAX_TOOL_INPUT_CHARS;
  // a huge input is refused before it is stored or echoed anywhere
  if (oversized) use = { ...use, input: { oversized: true } };
  const state = stateOf(held.snapshot);
  emit({ type: 'tool_call', tool_use_id: use.id, name: use.name, input: use.input });

  const record = (decision: 'accepted' | 'rejected', reason: string, rejection?: Rejection): NewEvent => {
    const payload: ProposalRecord = {
      toolUseId: use.id,
      tool: use.name,
      input: use.input,
      source: via,
      state,
      decision,
      code: rejection?.code ?? null,
      invariant: rejection?.invariant ?? null,
      reason,
    };
    deps.decided?.(held.id, payload);
    return { kind: 'proposal', payload };
  };
  const refuse = (rejection: Rejection, detail: Record<string, unknown> = {}): Decision => {
    engine.note(held, record('rejected', rejection.message, rejection));
    emit({ type: 'tool_rejected', tool_use_id: use.id, name: use.name, reason: rejection.message });
    const result = { error: rejection.message, ...detail };
    return {
      block: { type: 'tool_result', tool_use_id: use.id, content: rejection.message, is_error: true },
      progressed: false,
      result,
      accepted: false,
    };
  };

  const tool = deps.toolset.find(use.name);
  if (!tool || !tool.sources.includes(via))
    return refuse(reject('UNKNOWN_TOOL', 'I11', 'There is no such tool. Use only the tools provided.'));
  if (oversized)
    return refuse(reject('INVALID_INPUT', 'I11', `Input too large for ${tool.name}. Send only the fields it takes.`));
  const parsed = tool.input.safeParse(use.input);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || 'input'}: ${i.message}`)
      .join('; ');
    return refuse(
      reject('INVALID_INPUT', 'I11', `Invalid input for ${tool.name} (${issues}). Correct it and try again.`),
    );
  }
  const env = toolEnv(deps.clock, via);
  const proposal = tool.toEvent(parsed.data, held.snapshot.context, env);
  if (isRejection(proposal)) return refuse(proposal);
  // I12: one accepted proposal per order and tool per turn (a refused one may be corrected and sent again)
  const key = proposalKey(proposal);
  if (scope.seen.has(key))
    return refuse(reject('REPEATED_PROPOSAL', 'I12', 'That was already done in this turn; do not repeat it.'));

  if (tool.kind === 'decision' && tool.refresh) {
    let refreshed;
    try {
      const refresh = tool.refresh;
      refreshed = await withRetries(() => refresh(proposal, held.snapshot.context, deps.toolDeps), deps.retry);
    } catch {
      refreshed = 'unavailable' as const;
    }
    if (refreshed === 'unavailable')
      return refuse(
        reject(
          'NOT_ALLOWED_NOW',
          'I8',
          'The order system is not responding, so this cannot be checked now. Tell the customer to try again shortly.',
        ),
      );
    if (refreshed !== 'unchanged') await engine.dispatch(held, refreshed.fact);
  }
  // the offer's terms follow the facts as they are now (a refresh may have changed the amount)
  const event =
    tool.kind === 'decision' && tool.refresh ? (retarget(tool, parsed.data, held, env) ?? proposal) : proposal;
  if (!held.snapshot.can(event)) return refuse(explainProposal(held.snapshot.context, event));
  // quotas on email probes and on tickets, per client (the turn answers 429 when one is used up)
  const bucket = event.type === 'propose.get_customer' ? 'verify' : event.type === 'propose.escalate' ? 'ticket' : null;
  if (bucket && deps.limits) {
    const taken = await deps.limits.consume(bucket, scope.client ?? held.id);
    if (!taken.ok) throw new RateLimitedError(taken.retryAfterSeconds);
  }
  scope.seen.add(key);

  return tool.kind === 'read'
    ? runRead(deps, scope, tool, parsed.data, event, record, use, env)
    : runDecision(deps, scope, tool, event, record, refuse, use);
}

function retarget(
  tool: ToolDefinition<unknown>,
  input: unknown,
  held: HeldConversation,
  env: ReturnType<typeof toolEnv>,
) {
  const again = tool.toEvent(input, held.snapshot.context, env);
  return isRejection(again) ? null : again;
}

async function runRead(
  deps: ProposalDeps,
  scope: ProposalScope,
  tool: Extract<ToolDefinition<unknown>, { kind: 'read' }>,
  input: unknown,
  event: ProposalEvent,
  record: (d: 'accepted' | 'rejected', reason: string) => NewEvent,
  use: ToolUseBlock,
  env: ReturnType<typeof toolEnv>,
): Promise<Decision> {
  const { engine } = deps;
  const { held, emit } = scope;
  const state = stateOf(held.snapshot);
  const accepted = await engine.dispatch(held, event, { events: [record('accepted', `Allowed in state ${state}.`)] });
  if (!accepted.ok) return refusedAfterAll(deps, scope, event, use);
  let outcome;
  try {
    outcome = await withRetries(() => tool.run(input, held.snapshot.context, deps.toolDeps, env), deps.retry);
  } catch {
    // I8: retried and still failing: P2 tool_failure ticket
    await engine.dispatch(held, {
      type: 'escalate',
      reason: 'tool_failure',
      priority: 'P2',
      source: 'failure',
      summary: `The ${tool.name} call kept failing after retries.`,
      orderId: null,
    });
    const content =
      'That system is not responding right now; the conversation has been passed to a human agent. ' +
      'Apologise and tell the customer someone will follow up.';
    const result = { error: 'temporarily unavailable' };
    emit({ type: 'tool_result', tool_use_id: use.id, name: use.name, result, is_error: true });
    return {
      block: { type: 'tool_result', tool_use_id: use.id, content, is_error: true },
      progressed: false,
      result,
      accepted: true,
    };
  }
  const foreign: NewEvent[] = outcome.foreignTerms?.length
    ? [{ kind: 'foreign_terms', payload: { terms: outcome.foreignTerms } }]
    : [];
  await engine.dispatch(held, outcome.fact, { events: foreign });
  const visible = tool.visible(outcome.result);
  emit({
    type: 'tool_result',
    tool_use_id: use.id,
    name: use.name,
    result: visible,
    is_error: outcome.isError ?? false,
  });
  return {
    block: {
      type: 'tool_result',
      tool_use_id: use.id,
      content: JSON.stringify(outcome.result),
      is_error: outcome.isError ?? false,
    },
    progressed: outcome.progressed,
    result: visible,
    accepted: true,
  };
}

async function runDecision(
  deps: ProposalDeps,
  scope: ProposalScope,
  tool: Extract<ToolDefinition<unknown>, { kind: 'decision' }>,
  event: ProposalEvent,
  record: (d: 'accepted' | 'rejected', reason: string, r?: Rejection) => NewEvent,
  refuse: (r: Rejection) => Decision,
  use: ToolUseBlock,
): Promise<Decision> {
  const { engine } = deps;
  const { held, emit } = scope;
  const before = held.snapshot.context;
  const state = stateOf(held.snapshot);
  // an attempt the machine counts as failed (a wrong code) is recorded as refused, with its reason
  const preview = step(held.snapshot, event);
  const judged =
    preview && tool.judge ? tool.judge({ before, after: preview.next.context, state, outcomes: [] }, event) : null;
  const entry = judged ? record('rejected', judged.message, judged) : record('accepted', `Allowed in state ${state}.`);
  const applied = await engine.dispatch(held, event, { events: [entry] });
  if (!applied.ok) {
    if (applied.reason === 'duplicate_effect' && event.type === 'propose.process_refund') {
      const message = await settleTakenRefund(deps, held, event.orderId);
      return refuse(reject('DUPLICATE', 'I4', message));
    }
    return refusedAfterAll(deps, scope, event, use);
  }
  // another worker (the sweep) may have finished the effect first: describe what is stored, not a stale copy
  if (applied.effects.length > 0 && applied.outcomes.length === 0) await engine.catchUp(held);
  const described = tool.describe(
    { before, after: held.snapshot.context, state: stateOf(held.snapshot), outcomes: applied.outcomes },
    event,
  );
  if (judged) {
    emit({ type: 'tool_rejected', tool_use_id: use.id, name: use.name, reason: judged.message });
    const content = `${judged.message} ${JSON.stringify(described.forModel)}`;
    return {
      block: { type: 'tool_result', tool_use_id: use.id, content, is_error: true },
      progressed: false,
      result: described.forCustomer,
      accepted: false,
    };
  }
  emit({
    type: 'tool_result',
    tool_use_id: use.id,
    name: use.name,
    result: described.forCustomer,
    is_error: described.isError,
  });
  return {
    block: {
      type: 'tool_result',
      tool_use_id: use.id,
      content: JSON.stringify(described.forModel),
      is_error: described.isError,
    },
    progressed: described.progressed,
    result: described.forCustomer,
    accepted: true,
  };
}

/** The machine refused after all (a concurrent commit changed the state): say why, from the rule table. */
function refusedAfterAll(deps: ProposalDeps, scope: ProposalScope, event: ProposalEvent, use: ToolUseBlock): Decision {
  const rejection = explainProposal(scope.held.snapshot.context, event);
  deps.engine.note(scope.held, {
    kind: 'proposal',
    payload: {
      toolUseId: use.id,
      tool: use.name,
      input: use.input,
      source: scope.via,
      state: stateOf(scope.held.snapshot),
      decision: 'rejected',
      code: rejection.code,
      invariant: rejection.invariant,
      reason: rejection.message,
    } satisfies ProposalRecord,
  });
  scope.emit({ type: 'tool_rejected', tool_use_id: use.id, name: use.name, reason: rejection.message });
  return {
    block: { type: 'tool_result', tool_use_id: use.id, content: rejection.message, is_error: true },
    progressed: false,
    result: { error: rejection.message },
    accepted: false,
  };
}

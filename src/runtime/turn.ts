/**
 * One customer turn: reconcile pending effects, code-decided triggers, then the model loop where
 * every proposed tool call is decided by the machine before anything runs.
 */
import type { Backends } from '../backends/types.js';
import type { ConversationEvent } from '../machines/conversation.events.js';
import { explainRejection, type Rejection } from '../machines/conversation.rules.js';
import { formatUsd } from '../money.js';
import type { Clock, RefundPolicy } from '../policy.js';
import { findTool } from '../tools/registry.js';
import { isRejection, type ToolDeps } from '../tools/types.js';
import type { AssistantBlock, Model, ModelMessage, ToolResultBlock, ToolSpec, ToolUseBlock, Usage } from '../models/types.js';
import { ModelUnavailableError, ZERO_USAGE } from '../models/types.js';
import type { ConversationStore, NewEvent } from '../store/types.js';
import { factsOf, stateOf, statusOf } from './conversation-state.js';
import type { Engine, EffectOutcome, Loaded } from './engine.js';
import { buildHistory } from './history.js';
import { buildStateNote, expectedWait } from './prompt.js';
import { withRetries, type RetryOptions } from './retry.js';
import { createStreamingSanitizer, type LeakContext, type Sanitizer } from './sanitizer.js';
import { detectTrigger } from './triggers.js';
import type { ProposalRecord, TurnEvent, TurnResult } from './types.js';

export interface TurnDeps {
  store: ConversationStore;
  backends: Backends;
  engine: Engine;
  model: Model;
  policy: RefundPolicy;
  clock: Clock;
  retry: RetryOptions;
  sanitizer: Sanitizer;
  systemPrompt: string;
  tools: ToolSpec[];
  /** I12: model calls per customer message. */
  maxModelCalls: number;
  /** I12: wall-clock bound of a turn. */
  turnTimeoutMs: number;
}

export const UNAVAILABLE_REPLY =
  "I'm sorry, I'm having trouble answering right now. Nothing has been lost: please send your message again in a moment.";
export const TOO_LONG_REPLY =
  "I'm sorry, this is taking longer than it should. Nothing has been lost: please send your message again, or ask for a person and I'll hand you over.";

const addUsage = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
});

const SMALL_TALK = /^(?:hi|hey|hello|hiya|good (?:morning|afternoon|evening)|thanks?(?: you)?(?: so much| a lot)?|thank you|thx|ty|ok(?:ay)?|cool|great|bye|goodbye|cheers|how are you)\b[\s!.?,]*(?:there|again)?[\s!.?]*$/i;

/** A greeting or thanks alone (no request in it). */
export function isSmallTalk(message: string): boolean {
  return SMALL_TALK.test(message.trim());
}

/** Customer-safe text for the state, used when the model gave no usable reply. */
export function defaultReply(loaded: Loaded, policy: RefundPolicy): string {
  const f = factsOf(loaded.snapshot, policy);
  if (f.escalation)
    return `I've passed your conversation to a member of our team${f.escalation.ticketId ? ` (reference ${f.escalation.ticketId})` : ''}; they will get back to you in ${f.escalation.expectedWait}.`;
  if (f.pendingRefund) return 'Your refund is being confirmed with our payment provider; I will let you know as soon as it is done.';
  if (!f.customer) return 'To help you, could you tell me the email address on your account?';
  return 'How can I help you with your order? If you have the order id (like ORD-1234), please share it.';
}

export interface TurnOptions {
  onEvent?: (e: TurnEvent) => void;
  /** Ask the model to stream (text reaches onEvent sentence by sentence as it is generated). */
  stream?: boolean;
  signal?: AbortSignal;
  /** Called once the turn holds the conversation's lease (an SSE response can open then). */
  onStarted?: () => void;
}

export async function runTurn(deps: TurnDeps, loaded: Loaded, message: string, options: TurnOptions = {}): Promise<TurnResult> {
  const onEvent = options.onEvent ?? (() => {});
  const signal = options.signal;
  const { store, engine, model, policy, sanitizer } = deps;
  const started = deps.clock().getTime();
  const events: TurnEvent[] = [];
  const emit = (e: TurnEvent) => {
    events.push(e);
    onEvent(e);
  };
  const replyParts: string[] = [];
  let usage: Usage = { ...ZERO_USAGE };
  let modelCalls = 0;
  let progressed = false;

  await store.appendEvents(loaded.record.id, loaded.turn, [{ kind: 'customer_message', payload: { text: message } }]);

  // 1. a refund or ticket left pending by a crash or an unknown outcome is finished first
  const pending = await store.listPendingEffects(loaded.record.id);
  if (pending.length) await engine.runEffects(loaded, pending.map((p) => p.idempotencyKey));

  // 2. I6: triggers, decided in code before the model says anything
  const trigger = detectTrigger(message);
  if (trigger && !loaded.snapshot.context.escalation) {
    const applied = await engine.apply(
      loaded,
      { type: 'escalate', reason: trigger.reason, priority: trigger.priority, source: 'trigger', summary: `Customer message triggered escalation (${trigger.kind}: "${trigger.matched}").`, orderId: null },
      { ticketContext: `Customer said: "${message.slice(0, 300)}"` },
    );
    if (applied.ok) await engine.runEffects(loaded, applied.effects);
  }

  const leakContext = async (): Promise<LeakContext> => leakContextFor(deps, loaded);

  // 3. the model loop (I12: bounded calls and time)
  const history: ModelMessage[] = buildHistory(await store.listEvents(loaded.record.id));
  let finished = false;
  let failure: 'unavailable' | 'exhausted' | null = null;
  while (!finished) {
    if (modelCalls >= deps.maxModelCalls) {
      failure = 'exhausted';
      break;
    }
    const remaining = deps.turnTimeoutMs - (deps.clock().getTime() - started);
    if (remaining <= 0 || signal?.aborted) {
      failure = 'exhausted';
      break;
    }
    const facts = factsOf(loaded.snapshot, policy);
    const ctx = await leakContext();
    const stream = createStreamingSanitizer(sanitizer, ctx, (text) => {
      replyParts.push(text);
      emit({ type: 'text', text });
    });
    let streamed = false;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), remaining);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort);
    let content: AssistantBlock[];
    try {
      modelCalls++;
      const response = await model.next(
        { system: deps.systemPrompt, stateNote: buildStateNote(facts), facts, messages: [...history], tools: deps.tools, signal: controller.signal },
        options.stream
          ? {
              onText: (delta) => {
                streamed = true;
                stream.push(delta);
              },
            }
          : {},
      );
      usage = addUsage(usage, response.usage);
      content = sanitizeBlocks(response.content);
    } catch (error) {
      stream.flush();
      failure = 'unavailable';
      await store.appendEvents(loaded.record.id, loaded.turn, [
        { kind: 'error', payload: { where: 'model', message: error instanceof ModelUnavailableError ? error.message : String((error as Error)?.message ?? error).slice(0, 300) } },
      ]);
      break;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (!streamed) for (const b of content) if (b.type === 'text') stream.push(`${b.text}\n`);
    stream.flush();

    await store.appendEvents(loaded.record.id, loaded.turn, [{ kind: 'assistant_message', payload: { content } }]);
    history.push({ role: 'assistant', content });
    const toolUses = content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (toolUses.length === 0) {
      finished = true;
      break;
    }
    const results: ToolResultBlock[] = [];
    for (const use of toolUses) {
      const r = await decide(deps, loaded, use, emit, ctx);
      if (r.progressed) progressed = true;
      results.push(r.block);
    }
    await store.appendEvents(loaded.record.id, loaded.turn, [{ kind: 'tool_results', payload: { content: results } }]);
    history.push({ role: 'user', content: results });
  }

  // 4. I9: the clarification counter, then the reply
  // small talk ("thanks", "hello") is not a failed clarification round
  const ended = await engine.apply(loaded, { type: 'turn.ended', progressed: progressed || isSmallTalk(message) });
  const escalatedNow = ended.ok && ended.effects.length > 0;
  if (escalatedNow) await engine.runEffects(loaded, ended.effects);

  let reply = replyParts.join('').replace(/[ \t]+\n/g, '\n').replace(/[ \t]{2,}/g, ' ').trim();
  if (failure) {
    // streamed clients get the apology as text too
    const apology = failure === 'unavailable' ? UNAVAILABLE_REPLY : TOO_LONG_REPLY;
    reply = reply ? `${reply} ${apology}` : apology;
    emit({ type: 'text', text: apology });
    replyParts.push(apology);
  }
  if (escalatedNow) {
    // the model replied before the clarification limit escalated: its question is moot now
    reply = defaultReply(loaded, policy);
    emit({ type: 'text', text: reply });
  } else if (!reply || (loaded.snapshot.context.escalation && !/team|person|human|specialist|colleague|agent/i.test(reply))) {
    const fallback = defaultReply(loaded, policy);
    reply = reply ? `${reply} ${fallback}` : fallback;
    if (!replyParts.length) emit({ type: 'text', text: fallback });
  }
  const state = stateOf(loaded.snapshot);
  const status = statusOf(loaded.snapshot);
  emit({ type: 'state', state, status });
  await store.appendEvents(loaded.record.id, loaded.turn, [
    { kind: 'reply', payload: { text: reply } },
    { kind: 'usage', payload: { ...usage, modelCalls } },
  ]);
  return { conversation_id: loaded.record.id, reply, state, status, events, usage: { ...usage, modelCalls } };
}

/** Keeps only well-formed text and tool_use blocks (a malformed block is dropped, never fatal). */
function sanitizeBlocks(content: unknown): AssistantBlock[] {
  if (!Array.isArray(content)) return [];
  const out: AssistantBlock[] = [];
  for (const b of content) {
    if (b && typeof b === 'object' && b.type === 'text' && typeof b.text === 'string') out.push({ type: 'text', text: b.text });
    else if (b && typeof b === 'object' && b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string')
      out.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input ?? {} });
  }
  return out;
}

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
    .filter((e) => e.kind === 'customer_message')
    .flatMap((e) => (e.payload as { text: string }).text.match(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g) ?? []);
  const own = ctx.customer ? [ctx.customer.email] : [];
  // a foreign name the customer wrote themselves is not a leak of ours, but we still never echo it
  return { foreignTerms, allowedEmails: [...own, ...written] };
}

interface Decision {
  block: ToolResultBlock;
  progressed: boolean;
}

/** Decides one proposal: validate, ask the machine, run or refuse; records it either way (I11). */
async function decide(deps: TurnDeps, loaded: Loaded, use: ToolUseBlock, emit: (e: TurnEvent) => void, leak: LeakContext): Promise<Decision> {
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
    const fact = await engine.apply(loaded, outcome.fact as ConversationEvent);
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

/**
 * One customer turn: what code decides from the customer's text first (emails, codes, triggers,
 * the answer to a refund offer), then the model loop where every proposed tool call is decided
 * by the machine before anything runs, then the reply (with what code must say about money).
 */
import type {
  AssistantBlock,
  Model,
  ModelMessage,
  ToolResultBlock,
  ToolSpec,
  ToolUseBlock,
  Usage,
} from '../models/types.js';
import { ModelUnavailableError, ZERO_USAGE } from '../models/types.js';
import type { RefundPolicy } from '../policy.js';
import type { Toolset } from '../tools/types.js';
import { ANYTHING_ELSE, answerOffer, type OfferOutcome } from './confirmation.js';
import { readCustomerText } from './customer-text.js';
import { toCustomerEvent } from './customer-events.js';
import type { Engine } from './engine.js';
import { allowedTools, awaitingOf, factsOf } from './facts.js';
import type { HeldConversation } from './held.js';
import { buildHistory } from './history.js';
import { leakContextFor } from './leak-context.js';
import { stateOf, statusOf } from './machine-steps.js';
import { approvalPendingText, approvalRequestedText, offerText } from './offer-text.js';
import { buildStateNote, expectedWait } from './prompt.js';
import { decide, type ProposalDeps } from './proposals.js';
import { createStreamingSanitizer, type LeakContext, type Sanitizer } from './sanitizer.js';
import { toolEnv } from './tool-env.js';
import type { TurnEvent, TurnResult } from './types.js';
import type { Telemetry } from './telemetry.js';
import { RateLimitedError, type Limits } from './limits.js';

export interface TurnDeps {
  engine: Engine;
  model: Model;
  toolset: Toolset;
  toolSpecs: ToolSpec[];
  proposals: ProposalDeps;
  policy: RefundPolicy;
  sanitizer: Sanitizer;
  systemPrompt: string;
  /** I12: model calls per customer message. */
  maxModelCalls: number;
  /** I12: wall-clock bound of a turn. */
  turnTimeoutMs: number;
  /** I12: tool proposals per model response. */
  maxProposalsPerResponse: number;
  telemetry: Telemetry;
  limits: Limits;
}

export const UNAVAILABLE_REPLY =
  "I'm sorry, I'm having trouble answering right now. Nothing has been lost: " +
  'please send your message again in a moment.';
export const TOO_LONG_REPLY =
  "I'm sorry, this is taking longer than it should. Nothing has been lost: " +
  "please send your message again, or ask for a person and I'll hand you over.";

const addUsage = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
});

const SMALL_TALK = new RegExp(
  '^(?:hi|hey|hello|hiya|good (?:morning|afternoon|evening)|thanks?(?: you)?(?: so much| a lot)?|thank you|' +
    'thx|ty|ok(?:ay)?|cool|great|bye|goodbye|cheers|how are you)\\b[\\s!.?,]*(?:there|again)?[\\s!.?]*$',
  'i',
);

/** A greeting or thanks alone (no request in it). */
export function isSmallTalk(message: string): boolean {
  return SMALL_TALK.test(message.trim());
}

/** Customer-safe text for the state, used when the model gave no usable reply. */
export function defaultReply(held: HeldConversation): string {
  const ctx = held.snapshot.context;
  if (ctx.escalation) {
    const ref = ctx.escalation.ticketId ? ` (reference ${ctx.escalation.ticketId})` : '';
    return (
      `I've passed your conversation to a member of our team${ref}; they will ` +
      `get back to you in ${expectedWait(ctx.escalation.priority)}.`
    );
  }
  if (ctx.approval) return approvalPendingText(ctx.approval);
  if (ctx.pendingRefund)
    return 'Your refund is being confirmed with our payment provider; I will let you know as soon as it is done.';
  if (ctx.challenge) return 'Please type the 6-digit code we sent to your email address.';
  if (!ctx.customer) return 'To help you, could you tell me the email address on your account?';
  return 'How can I help you with your order? If you have the order id (like ORD-1234), please share it.';
}

export interface TurnOptions {
  onEvent?: (e: TurnEvent) => void;
  /** Ask the model to stream (text reaches onEvent sentence by sentence as it is generated). */
  stream?: boolean;
  signal?: AbortSignal;
  /** Called once the turn holds the conversation's lease (an SSE response can open then). */
  onStarted?: () => void;
  /** The client address (quotas on tickets and verification attempts). */
  client?: string;
}

/** Keeps only well-formed text and tool_use blocks (a malformed block is dropped, never fatal). */
function sanitizeBlocks(content: unknown): AssistantBlock[] {
  if (!Array.isArray(content)) return [];
  const out: AssistantBlock[] = [];
  for (const b of content) {
    if (b && typeof b === 'object' && b.type === 'text' && typeof b.text === 'string')
      out.push({ type: 'text', text: b.text });
    else if (
      b &&
      typeof b === 'object' &&
      b.type === 'tool_use' &&
      typeof b.id === 'string' &&
      typeof b.name === 'string'
    )
      out.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input ?? {} });
  }
  return out;
}

export async function runTurn(
  deps: TurnDeps,
  held: HeldConversation,
  message: string,
  options: TurnOptions = {},
): Promise<TurnResult> {
  const onEvent = options.onEvent ?? (() => {});
  const { engine, model, policy, sanitizer } = deps;
  const clock = deps.proposals.clock;
  const started = clock().getTime();
  const events: TurnEvent[] = [];
  // the leak context in force (refreshed before each model call); every event passes the choke point
  let leak: LeakContext = leakContextFor(held);
  const emit = (e: TurnEvent) => {
    const safe = toCustomerEvent(e, deps.toolset, sanitizer, leak);
    events.push(safe);
    onEvent(safe);
  };
  const say = (text: string) => {
    const clean = sanitizer.sanitize(text, leak).text;
    if (!clean) return;
    spoken.push(clean);
    emit({ type: 'text', text: `${clean} ` });
  };
  const spoken: string[] = [];
  const replyParts: string[] = [];
  let usage: Usage = { ...ZERO_USAGE };
  let modelCalls = 0;
  let progressed = false;

  engine.note(held, { kind: 'customer_message', payload: { text: message } });
  const read = readCustomerText(message);
  // I1/I16: only an email the customer gave as theirs, only a code they typed, decided from the text
  if (read.ownEmails.length || read.codes.length)
    await engine.dispatch(held, { type: 'customer.wrote', emails: read.ownEmails, codes: read.codes });

  // 1. a refund or ticket left pending by a crash or an unknown outcome is finished first
  await engine.finishPending(held);

  // I15: a person holds the conversation: the message is recorded for them, the model is not called
  if (stateOf(held.snapshot) === 'human-active') return finish(deps, held, '', events, emit, usage, 0);

  // 2. I6: triggers, decided in code before the model says anything
  if (read.trigger && !held.snapshot.context.escalation) {
    // a ticket per trigger is a quota per client: a burst of "talk to a human" opens a bounded number
    const taken = await deps.limits.consume('ticket', options.client ?? held.id);
    if (!taken.ok) throw new RateLimitedError(taken.retryAfterSeconds);
  }
  if (read.trigger) {
    const t = read.trigger;
    await engine.dispatch(
      held,
      {
        type: 'escalate',
        reason: t.reason,
        priority: t.priority,
        source: 'trigger',
        summary: `Customer message triggered escalation (${t.kind}: "${t.matched}").`,
        orderId: null,
      },
      { ticketContext: `Customer said: "${message.slice(0, 300)}"` },
    );
  }

  // 3. I13: the customer's answer to a standing offer, decided in code from their own words
  let answered: OfferOutcome | null = null;
  if (held.snapshot.context.offer && stateOf(held.snapshot) === 'awaiting-confirmation' && read.answer !== 'unclear') {
    answered = await answerOffer({ engine, store: deps.proposals.store, clock }, held, read.answer);
    if (answered) {
      progressed = true;
      for (const text of answered.say) say(text);
    }
  }

  // 4. the model loop (I12: bounded calls, proposals and time); what a yes or no did was said by code above,
  // and the model is told so in a note (it goes on with the rest: another order, a question)
  const history: ModelMessage[] = buildHistory(held.log);
  const seen = new Set<string>();
  let failure: 'unavailable' | 'exhausted' | null = null;
  for (;;) {
    if (modelCalls >= deps.maxModelCalls) {
      failure = 'exhausted';
      break;
    }
    const remaining = deps.turnTimeoutMs - (clock().getTime() - started);
    if (remaining <= 0 || options.signal?.aborted) {
      failure = 'exhausted';
      break;
    }
    // I15: someone may have taken the conversation over meanwhile (another request, another process);
    // a refused commit may already have reloaded it, so the state decides, not whether catchUp found news
    await engine.catchUp(held);
    if (stateOf(held.snapshot) === 'human-active') break;
    const env = toolEnv(clock, 'chat');
    const facts = factsOf(held.snapshot, policy, allowedTools(held.snapshot, deps.toolset, env));
    leak = leakContextFor(held);
    const stream = createStreamingSanitizer(sanitizer, leak, (text) => {
      replyParts.push(text);
      emit({ type: 'text', text });
    });
    let streamed = false;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), remaining);
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort);
    let content: AssistantBlock[];
    try {
      modelCalls++;
      const callStarted = Date.now();
      const response = await deps.telemetry.modelCall(
        { conversationId: held.id, model: model.name, call: modelCalls },
        async () => {
          try {
            const r = await model.next(
              {
                system: deps.systemPrompt,
                stateNote: buildStateNote(facts),
                facts,
                messages: [...history],
                tools: deps.toolSpecs,
                signal: controller.signal,
              },
              options.stream
                ? {
                    onText: (delta) => {
                      streamed = true;
                      stream.push(delta);
                    },
                  }
                : {},
            );
            deps.telemetry.modelUsage({ model: model.name, ...r.usage, latencyMs: Date.now() - callStarted, ok: true });
            return r;
          } catch (error) {
            deps.telemetry.modelUsage({
              model: model.name,
              ...ZERO_USAGE,
              latencyMs: Date.now() - callStarted,
              ok: false,
            });
            throw error;
          }
        },
      );
      usage = addUsage(usage, response.usage);
      content = sanitizeBlocks(response.content);
    } catch (error) {
      stream.flush();
      failure = 'unavailable';
      const why = error instanceof ModelUnavailableError ? error.message : String((error as Error)?.message ?? error);
      engine.note(held, { kind: 'error', payload: { where: 'model', message: why.slice(0, 300) } });
      break;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (!streamed) for (const b of content) if (b.type === 'text') stream.push(`${b.text}\n`);
    stream.flush();

    engine.note(held, { kind: 'assistant_message', payload: { content } });
    history.push({ role: 'assistant', content });
    // I15: a person may have taken over while the model was thinking: nothing it proposed runs then
    await engine.catchUp(held);
    if (stateOf(held.snapshot) === 'human-active') break;
    const toolUses = content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (toolUses.length === 0) break;
    const results: ToolResultBlock[] = [];
    for (const [i, use] of toolUses.entries()) {
      if (i >= deps.maxProposalsPerResponse) {
        // I12: at most a few proposals per response; the rest are refused, recorded, and said so
        results.push(refuseOverCap(deps, held, use, emit));
        continue;
      }
      const r = await decide(
        deps.proposals,
        { held, via: 'chat', emit, seen, ...(options.client ? { client: options.client } : {}) },
        use,
      );
      if (r.progressed) progressed = true;
      results.push(r.block);
    }
    engine.note(held, { kind: 'tool_results', payload: { content: results } });
    history.push({ role: 'user', content: results });
  }

  // 5. I9: the clarification counter (small talk, "thanks", is not a failed round)
  await engine.dispatch(held, { type: 'turn.ended', progressed: progressed || isSmallTalk(message) });

  let reply = [...spoken, replyParts.join('')]
    .join(' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  if (failure) {
    const apology = failure === 'unavailable' ? UNAVAILABLE_REPLY : TOO_LONG_REPLY;
    reply = reply ? `${reply} ${apology}` : apology;
    emit({ type: 'text', text: apology });
  }
  reply = appendCodeSentences(held, reply, answered, emit, sanitizer, leak);
  // after code answered a yes or no, and the model had nothing to add: an open question, not a dead end
  const modelSaid = replyParts.join('').trim().length > 0;
  if (
    answered &&
    !modelSaid &&
    !failure &&
    stateOf(held.snapshot) !== 'awaiting-confirmation' &&
    !held.snapshot.context.escalation
  ) {
    emit({ type: 'text', text: ` ${ANYTHING_ELSE}` });
    reply = `${reply} ${ANYTHING_ELSE}`;
  }
  return finish(deps, held, reply, events, emit, usage, modelCalls);
}

/** What code says at the end of a turn: the offer to answer, the approval under way, or what happens now. */
function appendCodeSentences(
  held: HeldConversation,
  reply: string,
  answered: OfferOutcome | null,
  emit: (e: TurnEvent) => void,
  sanitizer: Sanitizer,
  leak: LeakContext,
): string {
  const ctx = held.snapshot.context;
  const state = stateOf(held.snapshot);
  const add = (text: string) => {
    const clean = sanitizer.sanitize(text, leak).text;
    if (!clean || reply.includes(clean)) return;
    emit({ type: 'text', text: reply ? ` ${clean}` : clean });
    reply = reply ? `${reply} ${clean}` : clean;
  };
  if (state === 'human-active') return reply;
  if (state === 'awaiting-confirmation' && ctx.offer) add(offerText(ctx.offer));
  else if (state === 'awaiting-approval' && ctx.approval && answered?.kind !== 'approval') {
    const requestedNow = held.log.some(
      (e) => e.turn === held.turn && e.kind === 'fact' && entered(e.payload, 'awaiting-approval'),
    );
    add(requestedNow ? approvalRequestedText(ctx.approval) : approvalPendingText(ctx.approval));
  }
  const mentionsTeam = /team|person|human|specialist|colleague|agent/i.test(reply);
  if (!reply || (ctx.escalation && !mentionsTeam)) add(defaultReply(held));
  return reply;
}

/** A fact entry that moved into `state` from another one. */
const entered = (payload: unknown, state: string): boolean =>
  !!payload &&
  typeof payload === 'object' &&
  'to' in payload &&
  'from' in payload &&
  payload.to === state &&
  payload.from !== state;

function refuseOverCap(
  deps: TurnDeps,
  held: HeldConversation,
  use: ToolUseBlock,
  emit: (e: TurnEvent) => void,
): ToolResultBlock {
  const reason =
    `At most ${deps.maxProposalsPerResponse} tool calls per response; this one ` +
    `was not run. Propose it again later if still needed.`;
  deps.engine.note(held, {
    kind: 'proposal',
    payload: {
      toolUseId: use.id,
      tool: use.name,
      input: { omitted: true },
      source: 'chat',
      state: stateOf(held.snapshot),
      decision: 'rejected',
      code: 'TOO_MANY_PROPOSALS',
      invariant: 'I12',
      reason,
    },
  });
  emit({ type: 'tool_rejected', tool_use_id: use.id, name: use.name, reason });
  return { type: 'tool_result', tool_use_id: use.id, content: reason, is_error: true };
}

async function finish(
  deps: TurnDeps,
  held: HeldConversation,
  reply: string,
  events: TurnEvent[],
  emit: (e: TurnEvent) => void,
  usage: Usage,
  modelCalls: number,
): Promise<TurnResult> {
  // what the customer is told of the state is what the store holds (an operator may have acted meanwhile)
  await deps.engine.catchUp(held);
  const state = stateOf(held.snapshot);
  const status = statusOf(held.snapshot);
  const awaiting = awaitingOf(held.snapshot);
  emit({ type: 'state', state, status, awaiting });
  deps.engine.note(held, ...(reply ? [{ kind: 'reply' as const, payload: { text: reply } }] : []), {
    kind: 'usage',
    payload: { ...usage, modelCalls },
  });
  await deps.engine.flush(held);
  return { conversation_id: held.id, reply, state, status, awaiting, events, usage: { ...usage, modelCalls } };
}

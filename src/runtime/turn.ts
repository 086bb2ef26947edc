/**
 * One customer turn: reconcile pending effects, code-decided triggers, then the model loop where
 * every proposed tool call is decided by the machine before anything runs.
 */
import type { Backends } from '../backends/types.js';
import type { Clock, RefundPolicy } from '../policy.js';
import type { AssistantBlock, Model, ModelMessage, ToolResultBlock, ToolSpec, ToolUseBlock, Usage } from '../models/types.js';
import { ModelUnavailableError, ZERO_USAGE } from '../models/types.js';
import type { ConversationStore } from '../store/types.js';
import { factsOf, stateOf, statusOf } from './conversation-state.js';
import type { Engine, Loaded } from './engine.js';
import { buildHistory } from './history.js';
import { leakContextFor } from './leak-context.js';
import { buildStateNote } from './prompt.js';
import { decide } from './proposals.js';
import type { RetryOptions } from './retry.js';
import { createStreamingSanitizer, type LeakContext, type Sanitizer } from './sanitizer.js';
import { toCustomerEvent } from './customer-events.js';
import { findEmails } from './emails.js';
import { detectTrigger } from './triggers.js';
import type { TurnEvent, TurnResult } from './types.js';

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
  // the leak context in force (refreshed before each model call); every event passes the choke point
  let leak: LeakContext = {};
  const emit = (e: TurnEvent) => {
    const safe = toCustomerEvent(e, sanitizer, leak);
    events.push(safe);
    onEvent(safe);
  };
  const replyParts: string[] = [];
  let usage: Usage = { ...ZERO_USAGE };
  let modelCalls = 0;
  let progressed = false;

  await store.appendEvents(loaded.record.id, loaded.turn, [{ kind: 'customer_message', payload: { text: message } }]);
  // I1: only an email the customer wrote may be verified; the machine learns them from the text, not the model
  const emails = findEmails(message);
  if (emails.length) await engine.apply(loaded, { type: 'customer.wrote', emails });

  // 1. a refund or ticket left pending by a crash or an unknown outcome is finished first
  const pending = await store.listPendingEffects(loaded.record.id);
  if (pending.length) await engine.runEffects(loaded, pending.map((p) => p.idempotencyKey));

  // 2. I6: triggers, decided in code before the model says anything
  const trigger = detectTrigger(message);
  // also after a lower-priority escalation: distress or a legal threat is never left in a P3 queue
  if (trigger) {
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
    leak = ctx;
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
      const r = await decide(deps, loaded, use, emit);
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
  // the model replied before the clarification limit escalated, or said nothing usable: say what happens now
  // (appended and streamed alike, so SSE clients and the JSON reply read the same)
  if (escalatedNow || !reply || (loaded.snapshot.context.escalation && !/team|person|human|specialist|colleague|agent/i.test(reply))) {
    const fallback = defaultReply(loaded, policy);
    reply = reply ? `${reply} ${fallback}` : fallback;
    emit({ type: 'text', text: reply === fallback ? fallback : ` ${fallback}` });
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

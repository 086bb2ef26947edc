/**
 * Building a ConversationLog from the store: the conversation record (input, stored state) and
 * its `fact` events in commit order.
 */
import { z } from 'zod';
import type { ConversationStore, StoredEvent } from '../store/types.js';
import { valueString } from './fold.js';
import type { ConversationLog, Fact } from './types.js';

/** A state value as stored: a name, or an object for nested / parallel states. */
const stateValue = z.union([z.string(), z.record(z.string(), z.unknown())]).transform(valueString);

const factPayload = z.object({
  event: z.looseObject({ type: z.string() }),
  from: stateValue,
  to: stateValue,
});

const createdPayload = z.object({ input: z.record(z.string(), z.unknown()) });

/** The facts among stored events (any kind), in the order given; malformed fact payloads are skipped. */
export function factsFromEvents(
  events: ReadonlyArray<Pick<StoredEvent, 'kind' | 'payload' | 'seq' | 'createdAt'>>,
): Fact[] {
  const facts: Fact[] = [];
  for (const e of events) {
    if (e.kind !== 'fact') continue;
    const parsed = factPayload.safeParse(e.payload);
    if (parsed.success) facts.push({ seq: e.seq, at: e.createdAt, ...parsed.data });
  }
  return facts;
}

/** The input of a `created` event when the log has one (newer conversations), else null. */
function createdInput(events: ReadonlyArray<Pick<StoredEvent, 'kind' | 'payload'>>): Record<string, unknown> | null {
  for (const e of events) {
    // `created` is newer than this module's EventKind union: compare as a plain string
    const kind: string = e.kind;
    if (kind !== 'created') continue;
    const parsed = createdPayload.safeParse(e.payload);
    if (parsed.success) return parsed.data.input;
  }
  return null;
}

/**
 * The machine input of a conversation created before `created` events existed: the fields the
 * input had then, read back from the stored context.
 */
function inputFromContext(context: unknown, conversationId: string): Record<string, unknown> {
  const ctx = z
    .looseObject({ conversationId: z.string().optional(), refundLimitCents: z.number().optional() })
    .safeParse(context);
  const data = ctx.success ? ctx.data : {};
  return { conversationId: data.conversationId ?? conversationId, refundLimitCents: data.refundLimitCents };
}

/** Reads one conversation's log from the store; null when there is no such conversation. */
export async function conversationLog(
  store: Pick<ConversationStore, 'getConversation' | 'listEvents'>,
  conversationId: string,
): Promise<ConversationLog | null> {
  const record = await store.getConversation(conversationId);
  if (!record) return null;
  const events = await store.listEvents(conversationId);
  return {
    conversationId,
    input: createdInput(events) ?? inputFromContext(record.snapshot.context, conversationId),
    facts: factsFromEvents(events),
    storedState: valueString(record.snapshot.value),
  };
}

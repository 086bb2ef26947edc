/**
 * The payload of each audit-log event kind, as the runtime writes it. The store keeps payloads as
 * opaque JSON; this is the one place that reads them back as types.
 */
import type { AssistantBlock, ToolResultBlock, Usage } from '../models/types.js';
import type { StoredEvent } from '../store/types.js';
import type { ProposalRecord } from './types.js';

export interface EventPayloads {
  customer_message: { text: string };
  assistant_message: { content: AssistantBlock[] };
  tool_results: { content: ToolResultBlock[] };
  proposal: ProposalRecord;
  reply: { text: string };
  usage: Usage & { modelCalls: number };
  /** Server-only: another customer's data met in this conversation (never shown; the sanitiser denies it). */
  foreign_terms: { terms: string[] };
}

/** The typed payload of a stored event of a kind the runtime wrote (the runtime is its only writer). */
export function payloadOf<K extends keyof EventPayloads>(event: Pick<StoredEvent, 'kind' | 'payload'>, kind: K): EventPayloads[K] | null {
  return event.kind === kind ? (event.payload as EventPayloads[K]) : null;
}

/**
 * The payload of each audit-log event kind, as the runtime writes it. The store keeps payloads as
 * opaque JSON; this is the one place that reads them back as types.
 */
import type { ConversationEvent } from '../machines/conversation.events.js';
import type { AssistantBlock, ToolResultBlock, Usage } from '../models/types.js';
import type { StoredEvent } from '../store/types.js';
import type { ProposalRecord } from './types.js';

export interface EventPayloads {
  created: { input: Record<string, unknown>; machineVersion: number };
  customer_message: { text: string };
  assistant_message: { content: AssistantBlock[] };
  tool_results: { content: ToolResultBlock[] };
  proposal: ProposalRecord;
  fact: { event: ConversationEvent; from: string; to: string };
  effect: { idempotencyKey: string; kind: string; outcome: unknown };
  reply: { text: string };
  usage: Usage & { modelCalls: number };
  /** Server-only: another customer's data met in this conversation (never shown; the sanitiser denies it). */
  foreign_terms: { terms: string[] };
  error: { where: string; message: string };
  /** A line for the model's history written by code ("[note] …": a confirmation, a handback). */
  note: { text: string };
  /** A line the customer sees from the system (a handoff, an approval). */
  notice: { text: string; topic: string };
  /** A message from a person of the support team (sanitised before it was stored). */
  operator_message: { operator: string; text: string };
  /** An operator's action and what the machine made of it (I11). */
  operator_action: {
    operator: string;
    role: string;
    action: string;
    decision: 'accepted' | 'rejected';
    reason: string;
  };
  /** A staged step the machine no longer accepted after a concurrent commit (kept for the audit). */
  superseded: { event: ConversationEvent; state: string };
}

/** The typed payload of a stored event of a kind the runtime wrote (the runtime is its only writer). */
export function payloadOf<K extends keyof EventPayloads>(
  event: Pick<StoredEvent, 'kind' | 'payload'>,
  kind: K,
): EventPayloads[K] | null {
  return event.kind === kind ? (event.payload as EventPayloads[K]) : null;
}

/** What a tool is: a zod input, a description for the model, a proposal event, and (for reads) a run. */
import type { z } from 'zod';
import type { Backends } from '../backends/types.js';
import type { ConversationContext } from '../machines/conversation.context.js';
import type { ConversationEvent, ProposalEvent } from '../machines/conversation.events.js';
import type { Rejection } from '../machines/conversation.rules.js';
import type { Clock, RefundPolicy } from '../policy.js';

export interface ToolDeps {
  backends: Backends;
  policy: RefundPolicy;
  clock: Clock;
  /** The outbox's refund of this order, from any conversation: done, still pending (being confirmed), failed (declined), or none. */
  refundEffect(orderId: string): Promise<'done' | 'pending' | 'failed' | null>;
}

/** Result of a read tool: the fact for the machine and what the model is told. */
export interface ReadOutcome {
  fact: ConversationEvent;
  result: Record<string, unknown>;
  /** The model is told this result as an error (e.g. not found), though the call itself ran. */
  isError?: boolean;
  /** The call obtained something the conversation needed (I9 progress). */
  progressed: boolean;
  /** Data of another customer this call came across: kept server-side so the sanitiser can deny it (I5). */
  foreignTerms?: string[];
}

export interface ToolDefinition<I = unknown> {
  name: string;
  description: string;
  kind: 'read' | 'write' | 'escalate';
  input: z.ZodType<I>;
  /** The proposal this input stands for, or a rejection decided from the input alone. */
  toEvent(input: I, context: ConversationContext): ProposalEvent | Rejection;
  /** Reads only: runs against the backends (after the machine accepted the proposal). */
  run?(input: I, context: ConversationContext, deps: ToolDeps): Promise<ReadOutcome>;
}

export function isRejection(value: ProposalEvent | Rejection): value is Rejection {
  return 'code' in value && 'invariant' in value;
}

/** Keeps each tool's input type while storing tools in one list. */
export function defineTool<I>(tool: ToolDefinition<I>): ToolDefinition<I> {
  return tool;
}

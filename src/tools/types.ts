/**
 * What a tool is. Each tool carries everything the runtime needs to know about it: its input
 * schema and description (for the model and MCP), the machine event it proposes, how a read runs,
 * which facts it refreshes before a write, what the customer may see of its result, how to say
 * what happened, and the candidate events from which "allowed now" is derived with
 * `snapshot.can`. Every part is required (a part a tool does not use is `null`), so a tool that
 * leaves one out does not compile.
 */
import type { z } from 'zod';
import type { Backends } from '../backends/types.js';
import type { ConversationContext, ProposalSource } from '../machines/conversation.context.js';
import type { ConversationEvent, ProposalEvent } from '../machines/conversation.events.js';
import type { Rejection } from '../machines/conversation.rules.js';
import type { EffectOutcome } from '../effects/outcomes.js';
import type { Clock, RefundPolicy } from '../policy.js';

/** What code puts into a proposal besides the model's input: the time, the source, ids and digests. */
export interface ToolEnv {
  now: Date;
  via: ProposalSource;
  /** A new random id with this prefix (offer ids). */
  newId(prefix: string): string;
  /** SHA-256 hex of the parts (offer digests). */
  digest(...parts: string[]): string;
}

export interface ToolDeps {
  backends: Backends;
  policy: RefundPolicy;
  clock: Clock;
  /** The outbox's refund of this order, from any conversation: done, pending (being confirmed), failed, or none. */
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

/** What the model and the customer are told about an accepted proposal. */
export interface Described {
  forModel: Record<string, unknown>;
  forCustomer: Record<string, unknown>;
  isError: boolean;
  /** It obtained something the conversation needed (I9). */
  progressed: boolean;
}

/** The conversation before and after an accepted proposal (and the effects it ran). */
export interface AcceptedProposal {
  before: ConversationContext;
  after: ConversationContext;
  state: string;
  outcomes: EffectOutcome[];
}

/** Refreshing facts before a write: a new fact to apply first, or why the write cannot be checked now. */
export type Refresh = { fact: ConversationEvent } | 'unchanged' | 'unavailable';

interface ToolCommon<I> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  /** The sources that may use it (confirm_refund is MCP only: a chat model can never confirm). */
  sources: readonly ProposalSource[];
  /** The proposal this input stands for, or a rejection decided from the input alone. */
  toEvent(input: I, context: ConversationContext, env: ToolEnv): ProposalEvent | Rejection;
  /** Events that stand for this tool now: the tool is allowed when the machine accepts one of them. */
  probe(context: ConversationContext, env: ToolEnv): ProposalEvent[];
  /** What of a result the customer may see (I7). */
  visible(result: Record<string, unknown>): Record<string, unknown>;
  /** After an accepted attempt the machine counted as a failure (a wrong code): the refusal to record. */
  judge: ((accepted: AcceptedProposal, event: ProposalEvent) => Rejection | null) | null;
}

/** A read: runs against the backends once the machine accepted it; its result becomes a fact. */
export interface ReadTool<I> extends ToolCommon<I> {
  kind: 'read';
  run(input: I, context: ConversationContext, deps: ToolDeps, env: ToolEnv): Promise<ReadOutcome>;
}

/** A decision: its effects (if any) go through the outbox; it says what happened from the machine's view. */
export interface DecisionTool<I> extends ToolCommon<I> {
  kind: 'decision';
  /** Facts to re-read before deciding (I2/I3 hold at refund time, not only at lookup), or null. */
  refresh: ((event: ProposalEvent, context: ConversationContext, deps: ToolDeps) => Promise<Refresh>) | null;
  describe(accepted: AcceptedProposal, event: ProposalEvent): Described;
}

export type ToolDefinition<I = unknown> = ReadTool<I> | DecisionTool<I>;

export function isRejection(value: ProposalEvent | Rejection): value is Rejection {
  return 'code' in value && 'invariant' in value;
}

/** Keeps each tool's input type while storing tools in one list. */
export function defineTool<I>(tool: ToolDefinition<I>): ToolDefinition<I> {
  return tool;
}

/** The tools a runtime (or the MCP server) is given: one list, looked up by name. */
export interface Toolset {
  // each entry keeps its own input type; the list is heterogeneous by design
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly tools: ReadonlyArray<ToolDefinition<any>>;
  readonly names: readonly string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  find(name: string): ToolDefinition<any> | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createToolset(tools: ReadonlyArray<ToolDefinition<any>>): Toolset {
  const byName = new Map(tools.map((t) => [t.name, t]));
  if (byName.size !== tools.length) throw new Error('two tools share a name');
  return { tools, names: tools.map((t) => t.name), find: (name) => byName.get(name) };
}

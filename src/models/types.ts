/** The model interface: Anthropic-shaped content blocks in and out, whatever the model is. */

export interface TextBlock {
  type: 'text';
  text: string;
}
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error?: boolean;
}
export type AssistantBlock = TextBlock | ToolUseBlock;

export type ModelMessage =
  | { role: 'user'; content: string | Array<TextBlock | ToolResultBlock> }
  | { role: 'assistant'; content: AssistantBlock[] };

/** A tool as the model sees it (Anthropic tool format). */
export interface ToolSpec {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/** Structured facts of the conversation, also rendered as the per-turn state note. */
export interface StateFacts {
  state: string;
  status: 'open' | 'resolved' | 'escalated';
  allowedTools: string[];
  customer: { name: string; email: string; status: string } | null;
  unknownEmails: string[];
  orders: Array<{
    orderId: string;
    owned: boolean;
    eligible: boolean;
    /** Plain-language reason when not eligible (safe to tell the customer). */
    ineligibleExplanation: string | null;
    refundableUsd: string | null;
    needsApproval: boolean;
    refunded: boolean;
  }>;
  pendingRefund: { orderId: string; outcome: 'pending' | 'unknown' } | null;
  escalation: { priority: string; reason: string; ticketId: string | null; expectedWait: string } | null;
  /** What the conversation waits for, if anything. */
  awaiting?:
    | { kind: 'confirmation'; offerId: string; orderId: string; amountUsd: string }
    | { kind: 'approval'; orderId: string; amountUsd: string }
    | { kind: 'code' }
    | null;
}

export interface ModelRequest {
  /** Static system prompt (cacheable). */
  system: string;
  /** Per-turn state note, sent after the cache breakpoint. */
  stateNote: string;
  facts: StateFacts;
  messages: ModelMessage[];
  tools: ToolSpec[];
  /** Aborts the call when the turn's time runs out. */
  signal?: AbortSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

export interface ModelResponse {
  content: AssistantBlock[];
  stopReason: string;
  usage: Usage;
}

export interface ModelCallOptions {
  /** Streaming: text deltas as they arrive (the runtime sanitises before the customer sees them). */
  onText?: (delta: string) => void;
}

export interface Model {
  readonly name: string;
  next(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse>;
}

/** The model service failed after its own retries (overloaded, timed out, unreachable). */
export class ModelUnavailableError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelUnavailableError';
  }
}

/** What the runtime tells its callers (API, CLI, evals, MCP) about a turn. */
import type { Usage } from '../models/types.js';
import type { ConversationStatus } from '../store/types.js';

export type TurnEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; tool_use_id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; name: string; result: unknown; is_error: boolean }
  | { type: 'tool_rejected'; tool_use_id: string; name: string; reason: string }
  | { type: 'state'; state: string; status: ConversationStatus; awaiting: Awaiting };

/** What the conversation waits for, as callers see it (amounts in USD, as in /api/refunds). */
export type Awaiting =
  | { kind: 'confirmation'; offer_id: string; order_id: string; amount: number; text: string }
  | { kind: 'approval'; order_id: string; amount: number; request_id: string }
  | { kind: 'code' }
  | { kind: 'person'; operator: string }
  | null;

export interface TurnResult {
  conversation_id: string;
  reply: string;
  state: string;
  status: ConversationStatus;
  awaiting: Awaiting;
  events: TurnEvent[];
  usage: Usage & { modelCalls: number };
}

/** A proposal as recorded in the audit log (I11). */
export interface ProposalRecord {
  toolUseId: string;
  tool: string;
  input: unknown;
  /** Who proposed it: the chat's model, or an MCP client. */
  source: 'chat' | 'mcp';
  /** Machine state when the proposal was decided. */
  state: string;
  decision: 'accepted' | 'rejected';
  /** Internal code (audit only, never shown to customers). */
  code: string | null;
  invariant: string | null;
  /** A plain-language reason. */
  reason: string;
}

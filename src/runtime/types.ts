/** What the runtime tells its callers (API, CLI, evals) about a turn. */
import type { Usage } from '../models/types.js';

export type TurnEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; tool_use_id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; name: string; result: unknown; is_error: boolean }
  | { type: 'tool_rejected'; tool_use_id: string; name: string; reason: string }
  | { type: 'state'; state: string; status: 'open' | 'resolved' | 'escalated' };

export interface TurnResult {
  conversation_id: string;
  reply: string;
  state: string;
  status: 'open' | 'resolved' | 'escalated';
  events: TurnEvent[];
  usage: Usage & { modelCalls: number };
}

/** A proposal as recorded in the audit log (I11). */
export interface ProposalRecord {
  toolUseId: string;
  tool: string;
  input: unknown;
  /** Machine state when the proposal was decided. */
  state: string;
  decision: 'accepted' | 'rejected';
  /** Internal code (audit only, never shown to customers). */
  code: string | null;
  invariant: string | null;
  /** A plain-language reason. */
  reason: string;
}

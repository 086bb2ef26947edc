/**
 * I7's choke point for turn events: everything a customer receives about tool calls passes here.
 * Model-chosen strings (tool names, ids, inputs) are never echoed unless they are known-safe.
 */
import type { Toolset } from '../tools/types.js';
import type { LeakContext, Sanitizer } from './sanitizer.js';
import type { TurnEvent } from './types.js';

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_ECHO = 2_000;
export const GENERIC_REFUSAL = 'That action is not allowed right now.';

/** A tool name as a customer may see it: one of ours, or `unknown_tool`. */
export function publicToolName(toolset: Toolset, name: string): string {
  return toolset.names.includes(name) ? name : 'unknown_tool';
}

export function toCustomerEvent(e: TurnEvent, toolset: Toolset, sanitizer: Sanitizer, leak: LeakContext): TurnEvent {
  if (e.type === 'text' || e.type === 'state') return e;
  const value = (v: unknown) => {
    const json = JSON.stringify(v) ?? '';
    return json.length > MAX_ECHO || sanitizer.leakIn(json, leak) ? { redacted: true } : v;
  };
  const id = SAFE_ID.test(e.tool_use_id) && !sanitizer.leakIn(e.tool_use_id, leak) ? e.tool_use_id : 'toolu_redacted';
  const name = publicToolName(toolset, e.name);
  switch (e.type) {
    case 'tool_call':
      return { type: 'tool_call', tool_use_id: id, name, input: value(e.input) };
    case 'tool_result':
      // what a tool lets the customer see was decided by the tool (ToolDefinition.visible)
      return { type: 'tool_result', tool_use_id: id, name, result: value(e.result), is_error: e.is_error };
    case 'tool_rejected':
      return {
        type: 'tool_rejected',
        tool_use_id: id,
        name,
        reason: sanitizer.leakIn(e.reason, leak) ? GENERIC_REFUSAL : e.reason,
      };
  }
}

/** The static tool list: same order and text on every call (prompt caching needs a stable prefix). */
import { escalateToHumanTool } from './escalate-to-human.js';
import { getCustomerTool } from './get-customer.js';
import { lookupOrderTool } from './lookup-order.js';
import { processRefundTool } from './process-refund.js';
import type { ToolDefinition } from './types.js';

export const TOOLS: ReadonlyArray<ToolDefinition<any>> = [getCustomerTool, lookupOrderTool, processRefundTool, escalateToHumanTool];

export const TOOL_NAMES = TOOLS.map((t) => t.name);

export function findTool(name: string): ToolDefinition<any> | undefined {
  return TOOLS.find((t) => t.name === name);
}

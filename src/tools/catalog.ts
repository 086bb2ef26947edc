/**
 * The tools of this product. The list is built by the composition root (main.ts) and given to the
 * runtime and the MCP server; nothing reads a module-level list. Order matters: it is the order
 * the model sees (prompt caching needs a stable prefix).
 */
import { confirmRefundTool } from './confirm-refund.js';
import { escalateToHumanTool } from './escalate-to-human.js';
import { getCustomerTool } from './get-customer.js';
import { lookupOrderTool } from './lookup-order.js';
import { processRefundTool } from './process-refund.js';
import { createToolset, type Toolset } from './types.js';
import { verifyCodeTool } from './verify-code.js';

export function defaultTools(): Toolset {
  return createToolset([
    getCustomerTool,
    verifyCodeTool,
    lookupOrderTool,
    processRefundTool,
    escalateToHumanTool,
    confirmRefundTool,
  ]);
}

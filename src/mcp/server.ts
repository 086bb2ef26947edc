/**
 * The MCP server of one conversation: the same tools as the chat (their descriptions and the very
 * JSON Schema Anthropic gets), each call decided by the runtime as an `mcp` proposal, and the
 * customer's yes to a refund offer collected through elicitation when the client can ask (I13).
 *
 * It is the SDK's low-level `Server`, not `McpServer.registerTool`: McpServer validates arguments
 * itself and answers malformed ones before any handler runs, so they would never be recorded (I11).
 * Here every call, however malformed, reaches `runtime.proposeAsMcp`, which validates it with the
 * tool's own zod schema and records the decision.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Awaiting } from '../runtime/types.js';
import { toolSpecs } from '../tools/to-anthropic.js';
import { decisionResult, noAnswerResult, offerOutcomeResult, toMcpError } from './results.js';

export type McpExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The conversation a request acts for, with its bearer token. */
export interface McpCredentials {
  conversationId: string;
  token: string;
}

export interface SupportMcpServerOptions {
  /** The conversation and token of a request (HTTP: from the request; stdio: fixed). */
  credentials(extra: McpExtra): McpCredentials;
  /** How long the customer has to answer an elicitation (default 10 minutes). */
  elicitationTimeoutMs?: number;
  /** Where unexpected errors go (the client gets a bare internal error). Default: stderr. */
  onUnexpectedError?: (error: unknown) => void;
  version?: string;
}

type ConfirmationOffer = Extract<Awaiting, { kind: 'confirmation' }>;

export const MCP_INSTRUCTIONS =
  "These tools act for one customer's support conversation. Verify the customer first: get_customer with the " +
  'email they say is theirs sends a 6-digit code to it; ask them for the code and pass it to verify_code. Then ' +
  "lookup_order and, when the order is refundable, process_refund. Nothing is refunded without the customer's yes " +
  'to the exact offer: either they are asked directly, or you must ask them and, only if they say yes, call ' +
  'confirm_refund with the offer_id. A refused call returns an error with one sentence saying what to do next.';

/** The MCP tool list: every tool whose `sources` include `mcp`, with the chat's description and schema. */
export function mcpTools(runtime: Runtime): Tool[] {
  return toolSpecs(runtime.toolset, 'mcp').map((spec) => ({
    name: spec.name,
    description: spec.description,
    inputSchema: { ...spec.input_schema, type: 'object' as const },
  }));
}

const logToStderr = (error: unknown) =>
  process.stderr.write(
    `unexpected MCP error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );

/** Creates the MCP server (connect it to one transport: one HTTP session, or stdio). */
export function createSupportMcpServer(runtime: Runtime, options: SupportMcpServerOptions): Server {
  const onUnexpected = options.onUnexpectedError ?? logToStderr;
  const elicitationTimeoutMs = options.elicitationTimeoutMs ?? 10 * 60_000;
  const server = new Server(
    { name: 'support-agent', version: options.version ?? '0.1.0' },
    { capabilities: { tools: {} }, instructions: MCP_INSTRUCTIONS },
  );
  const tools = mcpTools(runtime);
  const canElicit = () => server.getClientCapabilities()?.elicitation?.form !== undefined;

  /** Asks the customer (not the client's model) through elicitation: 'yes', 'no', or null for no answer. */
  async function ask(offer: ConfirmationOffer, extra: McpExtra): Promise<'yes' | 'no' | null> {
    try {
      const answer = await server.elicitInput(
        {
          mode: 'form',
          message: offer.text,
          requestedSchema: {
            type: 'object',
            properties: {
              answer: {
                type: 'string',
                title: 'Your answer',
                description: `Refund order ${offer.order_id}?`,
                oneOf: [
                  { const: 'yes', title: 'Yes, refund it' },
                  { const: 'no', title: 'No' },
                ],
              },
            },
            required: ['answer'],
          },
        },
        { relatedRequestId: extra.requestId, timeout: elicitationTimeoutMs, signal: extra.signal },
      );
      if (answer.action === 'decline') return 'no';
      if (answer.action !== 'accept') return null;
      const value = answer.content?.answer;
      return value === 'yes' ? 'yes' : value === 'no' ? 'no' : null;
    } catch {
      // dismissed, timed out, or an answer outside the schema: not a yes
      return null;
    }
  }

  /** Applies the customer's elicited answer to the open offer and says what came of it. */
  async function settle(who: McpCredentials, offer: ConfirmationOffer, answer: 'yes' | 'no'): Promise<CallToolResult> {
    const outcome = await runtime.answerOfferAsMcp(who.conversationId, who.token, offer.offer_id, answer);
    let refundId: string | null = null;
    if (outcome?.kind === 'refund') {
      const view = await runtime.getConversation(who.conversationId, who.token);
      refundId = view.refunds.find((r) => r.order_id === offer.order_id)?.refund_id ?? null;
    }
    return offerOutcomeResult(outcome, offer, refundId);
  }

  /** confirm_refund from a client that can elicit: the yes must come from the customer, not the client's model. */
  async function confirmThroughCustomer(who: McpCredentials, args: unknown, extra: McpExtra): Promise<CallToolResult> {
    const view = await runtime.getConversation(who.conversationId, who.token);
    const open = view.awaiting?.kind === 'confirmation' ? view.awaiting : null;
    const given = args && typeof args === 'object' && 'offer_id' in args ? args.offer_id : undefined;
    const propose = async () =>
      decisionResult(await runtime.proposeAsMcp(who.conversationId, who.token, 'confirm_refund', args), {
        explainOffer: false,
      });
    // not the open offer (or none): the machine refuses it, and the refusal is recorded
    if (!open || typeof given !== 'string' || given.trim() !== open.offer_id) return propose();
    const answer = await ask(open, extra);
    if (answer === null) return noAnswerResult(open);
    return answer === 'yes' ? propose() : settle(who, open, 'no');
  }

  async function call(name: string, args: unknown, extra: McpExtra): Promise<CallToolResult> {
    const who = options.credentials(extra);
    const elicit = canElicit();
    if (name === 'confirm_refund' && elicit) return confirmThroughCustomer(who, args, extra);
    const decision = await runtime.proposeAsMcp(who.conversationId, who.token, name, args);
    const offer = decision.awaiting?.kind === 'confirmation' ? decision.awaiting : null;
    const offered = name === 'process_refund' && decision.accepted && !decision.block.is_error && offer !== null;
    if (!offered || !elicit) return decisionResult(decision, { explainOffer: offered });
    // the lease is released while the customer decides; the answer is applied under a new one
    const answer = await ask(offer, extra);
    return answer === null ? noAnswerResult(offer) : settle(who, offer, answer);
  }

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    try {
      return await call(request.params.name, request.params.arguments ?? {}, extra);
    } catch (error) {
      throw toMcpError(error, onUnexpected);
    }
  });
  return server;
}

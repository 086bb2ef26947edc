/**
 * What an MCP client is told: decisions of the runtime as MCP tool results (structured content plus a
 * short text), refusals as `isError` results with the same sentences the chat model gets, and the
 * runtime's typed errors as JSON-RPC errors. Nothing internal (codes, stack traces) is ever put in.
 */
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BusyError, NotFoundError, UnavailableError } from '../runtime/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Awaiting } from '../runtime/types.js';

export type McpDecision = Awaited<ReturnType<Runtime['proposeAsMcp']>>;
export type McpOfferOutcome = NonNullable<Awaited<ReturnType<Runtime['answerOfferAsMcp']>>>;

/** JSON-RPC server-error codes (the -32000…-32099 range is ours), mirroring the HTTP statuses. */
export const MCP_ERROR = { notFound: -32004, busy: -32009, unavailable: -32003 } as const;

export const UNEXPECTED_TEXT = 'something went wrong on our side; please try again';

/** The first sentence-bearing `message` of a JSON tool result the model would get, if any. */
function messageOf(content: string): string | null {
  try {
    const parsed: unknown = JSON.parse(content);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string')
      return parsed.message;
  } catch {
    // not JSON: a refusal sentence, used as it is
  }
  return null;
}

/** What the client must do about a waiting offer when it cannot be asked through elicitation. */
export function offerInstruction(awaiting: Awaiting): string {
  if (awaiting?.kind !== 'confirmation') return '';
  return (
    ` Ask the customer exactly this: "${awaiting.text}" Only if they answer yes, call confirm_refund with ` +
    `offer_id "${awaiting.offer_id}". If they say no, nothing is refunded.`
  );
}

/** A decision of `proposeAsMcp` as an MCP tool result. */
export function decisionResult(decision: McpDecision, options: { explainOffer: boolean }): CallToolResult {
  const isError = !decision.accepted || decision.block.is_error === true;
  const { awaiting } = decision;
  const structuredContent = { ...decision.result, ...(awaiting ? { awaiting } : {}) };
  const error = typeof decision.result.error === 'string' ? decision.result.error : null;
  // a refusal's sentence, else the sentence of the result the model would get, else the result itself
  let text =
    error ?? messageOf(decision.block.content) ?? (isError ? decision.block.content : JSON.stringify(decision.result));
  if (!isError && options.explainOffer) text += offerInstruction(awaiting);
  else if (!isError && awaiting?.kind === 'approval')
    text += ' A supervisor must approve this refund; nothing is refunded yet.';
  return {
    content: [{ type: 'text', text }],
    structuredContent,
    isError,
    _meta: { state: decision.state, status: decision.status },
  };
}

/** The customer's answer, as elicitation collected it, and what came of it. */
export function offerOutcomeResult(
  outcome: McpOfferOutcome | null,
  offer: Extract<Awaiting, { kind: 'confirmation' }>,
  refundId: string | null,
): CallToolResult {
  if (!outcome)
    return {
      content: [{ type: 'text', text: 'That refund offer is no longer open; nothing was refunded.' }],
      structuredContent: { status: 'offer_closed', order_id: offer.order_id },
      isError: true,
    };
  const status = {
    refund: 'processed',
    approval: 'awaiting_approval',
    declined: 'declined_by_customer',
    confirming: 'confirming',
    failed: 'declined',
    taken: 'already_refunded',
  }[outcome.kind];
  const said = outcome.say.join(' ');
  const text =
    said ||
    (outcome.kind === 'taken'
      ? `Order ${offer.order_id} has already been refunded; nothing more was refunded.`
      : status);
  return {
    content: [{ type: 'text', text }],
    structuredContent: {
      status,
      order_id: offer.order_id,
      ...(outcome.kind === 'refund' ? { amount: offer.amount, refund_id: refundId } : {}),
      ...(outcome.awaiting ? { awaiting: outcome.awaiting } : {}),
    },
    isError: outcome.kind === 'failed' || outcome.kind === 'taken',
    _meta: { state: outcome.state },
  };
}

/** The elicitation was dismissed, timed out or failed: nothing happened and the offer stays open. */
export function noAnswerResult(offer: Extract<Awaiting, { kind: 'confirmation' }>): CallToolResult {
  return {
    content: [
      {
        type: 'text',
        text:
          'The customer did not answer the refund offer, so nothing was refunded; ' +
          `the offer for order ${offer.order_id} stays open.`,
      },
    ],
    structuredContent: { status: 'awaiting_confirmation', order_id: offer.order_id, awaiting: offer },
    isError: false,
  };
}

/** The runtime's typed errors as JSON-RPC errors; anything else as a bare internal error (I7). */
export function toMcpError(error: unknown, onUnexpected: (error: unknown) => void): McpError {
  if (error instanceof McpError) return error;
  if (error instanceof BusyError)
    return new McpError(
      MCP_ERROR.busy,
      'another request of this conversation is still being answered; send yours again in a moment',
      { retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterSeconds)) },
    );
  if (error instanceof NotFoundError) return new McpError(MCP_ERROR.notFound, 'conversation not found');
  if (error instanceof UnavailableError)
    return new McpError(
      MCP_ERROR.unavailable,
      'the service is not accepting requests right now; please try again shortly',
      {
        retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterSeconds)),
      },
    );
  onUnexpected(error);
  return new McpError(-32603, UNEXPECTED_TEXT);
}

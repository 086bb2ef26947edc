/** The operator API's requests and answers in words (the console's session uses them). */
import type { OperatorEvent } from '../shared/contract.js';
import { ApiError, NetworkError } from '../shared/http.js';

export type Action =
  | { event: 'operator.approve' | 'operator.deny'; requestId: string; digest: string; note?: string }
  | { event: 'operator.reply'; message: string }
  | { event: 'operator.takeover' | 'operator.handback' | 'operator.resolve' };

export const DONE: Record<OperatorEvent, string> = {
  'operator.approve': 'Refund approved.',
  'operator.deny': 'Refund denied.',
  'operator.takeover': 'You now hold this conversation; the assistant is paused.',
  'operator.reply': 'Reply sent.',
  'operator.handback': 'Handed back to the assistant.',
  'operator.resolve': 'Conversation resolved.',
};

const EVENT_WORDS: Record<string, string> = {
  'operator.approve': 'approve',
  'operator.deny': 'deny',
  'operator.takeover': 'take over',
  'operator.reply': 'reply',
  'operator.handback': 'hand back',
  'operator.resolve': 'resolve',
};

/** A failed operator request in words. */
export function describeOperatorFailure(error: unknown, event?: OperatorEvent): string {
  if (error instanceof NetworkError) return 'Could not reach the server. Check the connection and try again.';
  if (!(error instanceof ApiError)) return 'Something went wrong in this page.';
  if (error.status === 409) {
    // The machine's reason is client-safe (problem+json) and says why: "admin is already handling …".
    const why = error.detail ? ` ${error.detail.replace(/\.?$/, '.')}` : '';
    const now = (error.allowed ?? []).map((a) => EVENT_WORDS[a] ?? a);
    const possible = now.length ? ` Possible now: ${now.join(', ')}.` : ' Nothing can be done now.';
    return `The conversation has moved on: that is not possible now.${why}${possible}`;
  }
  if (error.status === 403)
    return event === 'operator.approve' || event === 'operator.deny'
      ? 'Only a supervisor can approve or deny refunds.'
      : 'Your account may not do that.';
  if (error.status === 401) return 'This operator token is not accepted.';
  if (error.status === 404) return error.detail ? `Not found: ${error.detail}.` : 'Not found.';
  if (error.status === 429) return 'Too many requests; wait a moment and try again.';
  return error.detail || 'Something went wrong on the server.';
}

export const path = (id: string, rest = '') => `/api/operator/conversations/${encodeURIComponent(id)}${rest}`;

/** The path (under the conversation) and body of an operator action. */
export function operatorRequest(action: Action): { rest: string; body: object } {
  switch (action.event) {
    case 'operator.approve':
    case 'operator.deny':
      return {
        rest: `/approvals/${encodeURIComponent(action.requestId)}`,
        body: {
          decision: action.event === 'operator.approve' ? 'approve' : 'deny',
          digest: action.digest,
          ...(action.note ? { note: action.note } : {}),
        },
      };
    case 'operator.reply':
      return { rest: '/messages', body: { message: action.message } };
    case 'operator.takeover':
      return { rest: '/takeover', body: {} };
    case 'operator.handback':
      return { rest: '/handback', body: {} };
    case 'operator.resolve':
      return { rest: '/resolve', body: {} };
  }
}

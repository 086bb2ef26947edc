/** Every failure of the chat page in words, with the way to recover that fits it. */
import { ApiError, NetworkError } from '../shared/http.js';

export interface ChatError {
  message: string;
  /** Epoch ms before which retrying is pointless (Retry-After). */
  retryAt: number | null;
  action: 'retry' | 'reload' | 'new' | 'dismiss';
}

const seconds = (s: number | null, fallback: number) => Date.now() + Math.max(1, s ?? fallback) * 1000;

/** A failure in words, with what the customer can do about it. */
export function describeFailure(error: unknown): ChatError {
  if (error instanceof NetworkError)
    return {
      message: 'We could not reach the support service. Check your connection.',
      retryAt: null,
      action: 'retry',
    };
  if (!(error instanceof ApiError))
    return { message: 'Something went wrong in this page. Please try again.', retryAt: null, action: 'retry' };
  switch (error.status) {
    case 404:
      return { message: 'This conversation is no longer available.', retryAt: null, action: 'new' };
    case 409:
      return {
        message: 'We are still answering your previous message.',
        retryAt: seconds(error.retryAfterSeconds, 2),
        action: 'retry',
      };
    case 429:
      return {
        message: 'You are sending messages faster than we can answer them.',
        retryAt: seconds(error.retryAfterSeconds, 5),
        action: 'retry',
      };
    case 503:
      return {
        message: 'We are not taking messages for a moment.',
        retryAt: seconds(error.retryAfterSeconds, 5),
        action: 'retry',
      };
    case 400:
    case 413:
      return {
        message: `Your message was not accepted: ${error.detail || 'it is not valid'}.`,
        retryAt: null,
        action: 'dismiss',
      };
    default:
      return { message: 'Something went wrong on our side.', retryAt: null, action: 'retry' };
  }
}

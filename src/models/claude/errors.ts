/** Maps everything a model call can throw to ModelUnavailableError. */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { ModelUnavailableError } from '../types.js';
import { MalformedStreamError } from './response.js';

/** The response body sent nothing for longer than the timeout. */
export class StalledResponseError extends Error {
  constructor(ms: number) {
    super(`no data from the model for ${ms} ms`);
    this.name = 'StalledResponseError';
  }
}

/** The connection ended inside a response body the transport was reading whole. */
export class ResponseCutError extends Error {
  constructor(cause: unknown) {
    super('the model connection was lost mid-response', { cause });
    this.name = 'ResponseCutError';
  }
}

/** Error types of the API (also sent inside a stream, where there is no HTTP status). */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

const causes = (error: unknown): unknown[] => {
  const out: unknown[] = [];
  for (let e = error, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) out.push(e);
  return out;
};

/**
 * The message keeps to status and error type: it is recorded in the audit log, and is never
 * shown to a customer anyway (the runtime replies with its own words).
 */
export function toModelUnavailable(error: unknown, signal?: AbortSignal): ModelUnavailableError {
  if (error instanceof ModelUnavailableError) return error;
  if (signal?.aborted || error instanceof APIUserAbortError)
    return new ModelUnavailableError('model call aborted (turn time limit)');
  const chain = causes(error);
  if (chain.some((e) => e instanceof StalledResponseError))
    return new ModelUnavailableError('model response stalled (timeout)');
  if (chain.some((e) => e instanceof ResponseCutError))
    return new ModelUnavailableError('model connection lost mid-response');
  if (error instanceof APIConnectionTimeoutError) return new ModelUnavailableError('model call timed out');
  if (error instanceof APIConnectionError) return new ModelUnavailableError('model unreachable (connection error)');
  if (error instanceof APIError) {
    const type = typeof error.type === 'string' ? error.type : null;
    const status = error.status ?? (type ? STATUS_OF_TYPE[type] : undefined);
    return new ModelUnavailableError(`model API error${status ? ` ${status}` : ''}${type ? ` ${type}` : ''}`, status);
  }
  if (error instanceof MalformedStreamError)
    return new ModelUnavailableError(`malformed model stream: ${error.message}`);
  // undici reports a connection closed mid-body as TypeError('terminated') caused by a SocketError
  if (
    chain.some(
      (e) => e instanceof Error && (e.name === 'SocketError' || /^terminated$|ECONNRESET|socket/i.test(e.message)),
    )
  )
    return new ModelUnavailableError('model connection lost mid-response');
  return new ModelUnavailableError('malformed model response');
}

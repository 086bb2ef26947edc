/**
 * RFC 9457 problem details. Every error the API answers goes through `toProblem`, so no handler
 * ever writes an error body itself and nothing internal (messages of unknown errors, codes,
 * stack traces) can reach a client (I7).
 */
import { z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { BusyError, NotFoundError, UnavailableError } from '../runtime/errors.js';
import { OperatorConflictError } from '../runtime/operator-actions.js';
import { RateLimitedError } from '../runtime/limits.js';
import { BodyReadError } from './body.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'about:blank' }),
    title: z.string().openapi({ example: 'Not Found' }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: 'conversation not found' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details; never carries internal detail.' });

export type Problem = z.infer<typeof ProblemSchema>;

/** A 409 (or 403) from the machine: what it accepts now, so a console can offer exactly that. */
export const ConflictProblemSchema = ProblemSchema.extend({
  state: z.string().openapi({ example: 'resolved' }),
  allowed: z.array(z.string()).openapi({ example: ['operator.takeover'] }),
}).openapi('ConflictProblem');

/** An error the API raises itself (authentication, validation, limits); `detail` is client-safe. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fixed texts for Hono's own exceptions: their messages are not ours to forward. */
const HTTP_EXCEPTION_DETAILS: Readonly<Record<number, string>> = {
  400: 'the request body is not valid JSON',
  413: 'the request body is too large',
  415: 'send the request body as application/json',
};

export const INTERNAL_DETAIL = 'something went wrong on our side; please try again';

export interface MappedProblem {
  body: Problem & Record<string, unknown>;
  headers: Record<string, string>;
  /** True when the error was not one we expected: worth logging server-side. */
  unexpected: boolean;
}

function problem(
  status: number,
  detail: string,
  headers: Record<string, string> = {},
  unexpected = false,
): MappedProblem {
  // `about:blank`: the status code says it all; the title is then the status phrase (RFC 9457 §4.2.1).
  return { body: { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail }, headers, unexpected };
}

/** Maps any thrown value to a client-safe problem. Unknown errors become a bare 500. */
export function toProblem(error: unknown): MappedProblem {
  if (error instanceof ApiProblem) return problem(error.status, error.detail, { ...error.headers });
  if (error instanceof NotFoundError) return problem(404, 'conversation not found');
  if (error instanceof OperatorConflictError) {
    const status = error.rejection.code === 'NOT_SUPERVISOR' ? 403 : 409;
    const mapped = problem(status, error.rejection.message);
    return { ...mapped, body: { ...mapped.body, state: error.state, allowed: error.allowed } };
  }
  if (error instanceof BodyReadError) return problem(400, error.message);
  if (error instanceof BusyError)
    return problem(409, 'another message of this conversation is still being answered; send yours again in a moment', {
      'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))),
    });
  if (error instanceof RateLimitedError)
    return problem(429, 'too many requests; please wait a moment before trying again', {
      'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))),
    });
  if (error instanceof UnavailableError)
    return problem(503, 'the service is not accepting messages right now; please try again shortly', {
      'Retry-After': String(Math.max(1, Math.ceil(error.retryAfterSeconds))),
    });
  if (error instanceof HTTPException && error.status >= 400 && error.status < 500) {
    return problem(
      error.status,
      HTTP_EXCEPTION_DETAILS[error.status] ?? (TITLES[error.status] ?? 'the request was refused').toLowerCase(),
    );
  }
  return problem(500, INTERNAL_DETAIL, {}, true);
}

/** The problem as an HTTP response with the RFC 9457 media type. */
export function problemResponse(mapped: MappedProblem): Response {
  return new Response(JSON.stringify(mapped.body), {
    status: mapped.body.status,
    headers: { ...mapped.headers, 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store' },
  });
}

/** An OpenAPI response entry for an error answered as problem+json. */
export const problemEntry = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

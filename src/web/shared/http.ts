/** Calling the API: bearer headers, problem+json errors as values the pages can describe in words. */

/** An answer with an error status; `detail` is the server's client-safe sentence (RFC 9457). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Seconds from Retry-After, when the server sent it. */
    readonly retryAfterSeconds: number | null,
    /** For 409s on operator actions: the events the machine accepts now. */
    readonly allowed: string[] | null = null,
  ) {
    super(detail || `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** The server could not be reached (offline, DNS, connection reset). */
export class NetworkError extends Error {
  constructor() {
    super('network unreachable');
    this.name = 'NetworkError';
  }
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date). */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Turns a non-2xx response into an ApiError (reading its problem body when there is one). */
export async function toApiError(res: Response): Promise<ApiError> {
  let detail = '';
  let allowed: string[] | null = null;
  try {
    const body: unknown = await res.json();
    if (isRecord(body)) {
      if (typeof body.detail === 'string') detail = body.detail;
      if (Array.isArray(body.allowed)) allowed = body.allowed.filter((a): a is string => typeof a === 'string');
    }
  } catch {
    // Not JSON: the status alone says it.
  }
  return new ApiError(res.status, detail, retryAfterSeconds(res.headers.get('Retry-After')), allowed);
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  token?: string | null;
  body?: unknown;
  accept?: string;
  signal?: AbortSignal;
}

/** One request; resolves with a 2xx response, throws ApiError or NetworkError otherwise. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      cache: 'no-store',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError();
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

/** GET/POST returning the JSON body as the documented type (the API validated it on its side). */
export async function callJson<T>(path: string, options: CallOptions = {}): Promise<T> {
  const res = await call(path, options);
  try {
    return (await res.json()) as T;
  } catch {
    throw new NetworkError();
  }
}

export const isStatus = (error: unknown, status: number): boolean =>
  error instanceof ApiError && error.status === status;

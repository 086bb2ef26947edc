/** I8: bounded retries with exponential backoff; the sleep is injectable so tests never wait. */

export interface RetryOptions {
  /** Retries after the first attempt (I8: at most 2). */
  retries: number;
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Each attempt's time limit (I12: a hung backend cannot hang a turn). A payment that times out is an unknown
   * outcome.
   */
  attemptTimeoutMs?: number;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const DEFAULT_RETRY: RetryOptions = { retries: 2, baseDelayMs: 200, sleep: realSleep, attemptTimeoutMs: 10_000 };

export class AttemptTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<T> {
  if (!ms) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `fn` up to 1 + retries times; `isFinal` errors are rethrown at once. */
export async function withRetries<T>(
  fn: () => Promise<T>,
  options: RetryOptions,
  isFinal: (e: unknown) => boolean = () => false,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) await options.sleep(options.baseDelayMs * 2 ** (attempt - 1));
    try {
      return await withTimeout(fn(), options.attemptTimeoutMs);
    } catch (error) {
      if (isFinal(error)) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

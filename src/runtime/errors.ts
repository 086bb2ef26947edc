/** Typed errors thrown once and mapped to problem+json by the API's onError. */

export class NotFoundError extends Error {
  constructor(message = 'conversation not found') {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Another turn of the same conversation is running (one turn at a time). */
export class BusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('another message of this conversation is being answered');
    this.name = 'BusyError';
  }
}

/** The runtime is shutting down and accepts no new turns. */
export class UnavailableError extends Error {
  constructor(
    message = 'the service is not accepting messages right now',
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
    this.name = 'UnavailableError';
  }
}

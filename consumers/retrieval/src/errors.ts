export type RetrievalErrorCode = 'invalid_query';

/**
 * The retrieval worker's error family (CONVENTIONS.md rule 5): `retriable` tells the consumer
 * runtime whether the same event may pass later. A query that is malformed fails the same way
 * every time. Database errors are passed on as they are (retried by the runtime).
 */
export class RetrievalError extends Error {
  readonly code: RetrievalErrorCode;
  readonly retriable: boolean;

  constructor(code: RetrievalErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetrievalError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

// The store's one error class: every store module throws it for failures of its own making.

/** A failure of the store's own making; `retriable` tells the consumer runtime what to do. */
export class StoreError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

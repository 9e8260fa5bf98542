/**
 * The error family of the Kafka runtime. Handlers throw these (or any error carrying
 * `retriable`) to tell the runtime what to do; only the runtime decides retry,
 * dead-letter or give up (CONVENTIONS.md rule 5).
 */
export type KafkaErrorCode =
  | 'decode_failed'
  | 'unknown_schema'
  | 'unknown_event_type'
  | 'encode_failed'
  | 'registry_unavailable'
  | 'incompatible_schema'
  | 'handler_failed'
  | 'produce_failed'
  | 'invalid_event';

export class RivuletKafkaError extends Error {
  /** One of KafkaErrorCode, or a handler's own code. */
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: KafkaErrorCode | (string & Record<never, never>), message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RivuletKafkaError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A failure that may pass if tried again later (a timeout, an unavailable dependency). */
export class RetriableError extends RivuletKafkaError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'handler_failed', message, { retriable: true, cause: options.cause });
    this.name = 'RetriableError';
  }
}

/** A failure that will fail the same way every time (bad input): dead-lettered at once. */
export class NonRetriableError extends RivuletKafkaError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'invalid_event', message, { retriable: false, cause: options.cause });
    this.name = 'NonRetriableError';
  }
}

export interface ClassifiedError {
  code: string;
  message: string;
  retriable: boolean;
}

/**
 * How the runtime reads any thrown value. An error that says nothing about itself is
 * treated as retriable: most unexpected failures in a pipeline are transient, and the
 * attempt limit still sends a persistent one to the dead-letter topic.
 */
export const classifyError = (error: unknown): ClassifiedError => {
  if (error instanceof Error) {
    const candidate = error as Error & { code?: unknown; retriable?: unknown };
    return {
      code: typeof candidate.code === 'string' ? candidate.code : 'handler_failed',
      message: error.message || error.name,
      retriable: typeof candidate.retriable === 'boolean' ? candidate.retriable : true,
    };
  }
  return { code: 'handler_failed', message: String(error), retriable: true };
};

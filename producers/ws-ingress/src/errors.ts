// The ingress's error family: what a client sees (PROTOCOL.md §3) and how it travels over HTTP.
import type { ErrorBody, ErrorCode } from '@rivulet/protocol';

export type { ErrorBody, ErrorCode } from '@rivulet/protocol';

const defaultStatus: Record<ErrorCode, number> = {
  unauthorized: 401, invalid_request: 400, payload_too_large: 413, rate_limited: 429, budget_exceeded: 429,
  not_found: 404, provider_unavailable: 503, cancelled: 499, timeout: 504, internal: 500,
};

export interface IngressErrorOptions {
  /** The same request may succeed if sent again. Default false. */
  retriable?: boolean;
  /** HTTP status; defaults from the code (invalid_request 400, not_found 404, ...). */
  httpStatus?: number;
  /** How long the client should wait before retrying, when known: `retryAfterMs` in the body and `Retry-After` on HTTP. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/** An error meant for the client: its message says what to do and is safe to show. */
export class IngressError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly httpStatus: number;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, { retriable = false, httpStatus, retryAfterMs, cause }: IngressErrorOptions = {}) {
    super(message, { cause });
    this.name = 'IngressError';
    this.code = code;
    this.retriable = retriable;
    this.httpStatus = httpStatus ?? defaultStatus[code];
    this.retryAfterMs = retryAfterMs;
  }
}

export const invalidRequest = (message: string): IngressError => new IngressError('invalid_request', message);

/** An IngressError as it is; anything else becomes `internal`, pointing at the request id in the log. */
export const toIngressError = (error: unknown, requestId: string): IngressError =>
  error instanceof IngressError
    ? error
    : new IngressError('internal', `The ingress failed unexpectedly; the log has the details under request id ${requestId}.`, { retriable: true, cause: error });

export const errorBody = (error: IngressError): ErrorBody => ({
  code: error.code, message: error.message, retryable: error.retriable, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
});

/** `Retry-After` in whole seconds, at least 1. */
export const retryAfterSeconds = (retryAfterMs: number): string => String(Math.max(1, Math.ceil(retryAfterMs / 1000)));

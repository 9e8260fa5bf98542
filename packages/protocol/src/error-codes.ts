// The client contract's error codes (PROTOCOL.md §3) and the wire shape of an error, on every surface.

/** Every `code` an error may carry on the wire. */
export const ERROR_CODES = [
  'unauthorized', 'invalid_request', 'payload_too_large', 'rate_limited', 'budget_exceeded',
  'not_found', 'provider_unavailable', 'cancelled', 'timeout', 'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * What `retryable` says for each code. `varies`: the error itself says, e.g. `budget_exceeded` is
 * retryable until the period ends, but not when the request alone is larger than the whole budget.
 */
export const RETRYABLE_BY_CODE: Readonly<Record<ErrorCode, boolean | 'varies'>> = {
  unauthorized: false,
  invalid_request: false,
  payload_too_large: false,
  rate_limited: true,
  budget_exceeded: 'varies',
  not_found: false,
  provider_unavailable: true,
  cancelled: false,
  timeout: true,
  internal: true,
};

export const isErrorCode = (value: unknown): value is ErrorCode => (ERROR_CODES as readonly unknown[]).includes(value);

/** The wire shape of an error: `{ code, message, retryable }` (`retryable` is the contract's spelling). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Set when the wait before a retry is known (rate_limited, budget_exceeded, ...). */
  retryAfterMs?: number;
}

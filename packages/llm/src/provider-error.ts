// One error type for every provider failure, in the client contract's terms (PROTOCOL.md §3).

export type ProviderErrorCode = 'provider_unavailable' | 'timeout' | 'rate_limited' | 'invalid_request' | 'internal';

export interface ProviderErrorOptions {
  readonly provider: string;
  readonly code: ProviderErrorCode;
  readonly message: string;
  /** Whether the same request may succeed on a retry or on another provider. */
  readonly retryable: boolean;
  /** Upstream HTTP status, when there was one. */
  readonly status?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly cause?: unknown;
}

export class ProviderError extends Error {
  readonly provider: string;
  readonly code: ProviderErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(options: ProviderErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = options.provider;
    this.code = options.code;
    this.retryable = options.retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export const isAbortError = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');

// How a failed remote call becomes a ProviderError: one mapping for both SDKs.
import { abortError } from './stream-errors.js';
import { ProviderError } from './provider-error.js';
import type { StreamWatchdog } from './stream-watchdog.js';

/** What the adapters read from an SDK's APIError (both SDKs have these fields). */
export interface UpstreamFailure {
  /** HTTP status; undefined for an error event inside a stream or a connection failure. */
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  /** `error.type` of the body (Anthropic: `overloaded_error`; OpenAI: `server_error`, `requests`). */
  readonly errorType: string | undefined;
  readonly message: string;
  /** The SDK gave up waiting for the response headers (APIConnectionTimeoutError: its own timeout or a connect timeout of the fetch). */
  readonly timedOut?: boolean;
}

/** Retry-After as milliseconds: `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export const retryAfterMs = (headers: Headers | undefined): number | undefined => {
  const milliseconds = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.round(milliseconds);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
};

const rateLimitTypes = new Set(['rate_limit_error', 'rate_limit_exceeded', 'requests', 'tokens']);

/**
 * 429 rate_limited, 408 and connection timeouts, 409 (a conflict such as a lock timeout upstream) and
 * 5xx/connection provider_unavailable are retryable; 400 invalid_request, 401/403/404 provider_unavailable are not.
 */
export const providerErrorFrom = (provider: string, failure: UpstreamFailure, cause: unknown): ProviderError => {
  const { status, errorType } = failure;
  const message = `${provider}: ${status === undefined ? '' : `HTTP ${status}: `}${failure.message}`;
  const make = (code: ProviderError['code'], retryable: boolean, retryAfter?: number) =>
    new ProviderError({ provider, code, message, retryable, status, retryAfterMs: retryAfter, cause });
  if (status === 429 || (status === undefined && errorType !== undefined && rateLimitTypes.has(errorType))) {
    return make('rate_limited', true, retryAfterMs(failure.headers));
  }
  if (status === 408 || (status === undefined && failure.timedOut === true)) return make('timeout', true);
  if (status === 409) return make('provider_unavailable', true);
  if (status === 401 || status === 403 || status === 404) return make('provider_unavailable', false);
  if (status !== undefined && status >= 400 && status < 500) return make('invalid_request', false);
  if (status === undefined && errorType === 'invalid_request_error') return make('invalid_request', false);
  // 5xx, 529 overloaded, an error event mid-stream, a refused or reset connection.
  return make('provider_unavailable', true);
};

/**
 * The error a remote stream throws, in order of precedence: the caller's abort (an AbortError),
 * a stall (ProviderError timeout, retryable), then what the SDK reported (`toFailure` reads
 * its APIError; anything else, such as a body cut mid-stream, is provider_unavailable).
 */
export const streamFailure = (
  provider: string,
  error: unknown,
  { signal, watchdog, toFailure }: { signal: AbortSignal; watchdog: StreamWatchdog; toFailure: (error: unknown) => UpstreamFailure | undefined },
): Error => {
  if (signal.aborted) return abortError(signal);
  if (watchdog.stalled !== undefined) {
    const message = watchdog.stalled === 'first_token' ? 'no output before the first-token timeout' : 'the stream stalled past the idle timeout';
    return new ProviderError({ provider, code: 'timeout', message: `${provider}: ${message}`, retryable: true, cause: error });
  }
  if (error instanceof ProviderError) return error;
  const failure = toFailure(error);
  if (failure !== undefined) return providerErrorFrom(provider, failure, error);
  const detail = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
  return new ProviderError({ provider, code: 'provider_unavailable', message: `${provider}: ${detail}`, retryable: true, cause: error });
};

// How a routed request fails: one error that says what every deployment did and carries what
// was generated before the failure, so that the caller can bill it.
import type { ChatUsage } from './chat-model.js';
import { ProviderError, type ProviderErrorCode } from './provider-error.js';
import type { FailoverReason } from './router-observer.js';

/** What one deployment did for a request. */
export interface RouterStep {
  readonly deployment: string;
  /** `skipped`: not sent (breaker open, or cooling down after a 429). */
  readonly outcome: 'ok' | 'error' | 'aborted' | 'skipped';
  /** The error code, or why it was skipped (`circuit_open`, `rate_limited`). */
  readonly reason?: FailoverReason | undefined;
  readonly message?: string | undefined;
  readonly usage: ChatUsage;
  /** Null when the deployment has no price and the step used tokens. */
  readonly costUsd: number | null;
}

/** What a request used across every attempt, failed ones included. */
export interface RouterAccounting {
  /** Summed over every attempt; a failed attempt counts only when it produced text (its tokens then estimated). */
  readonly usage: ChatUsage;
  /** Deployments that produced the answer's text (or finished it), in order (a fresh array the caller owns). */
  readonly servedBy: string[];
  /** Summed per attempt from each deployment's price; null when an attempt that used tokens had no price. */
  readonly costUsd: number | null;
  readonly steps: readonly RouterStep[];
}

/**
 * Every deployment failed (`provider_unavailable`) or the request itself was refused
 * (`invalid_request`, not retried elsewhere). A ProviderError with provider `router`; `cause`
 * is the last deployment's error. Retryable unless every deployment failed non-retryably.
 */
export class RouterError extends ProviderError implements RouterAccounting {
  readonly usage: ChatUsage;
  readonly servedBy: string[];
  readonly costUsd: number | null;
  readonly steps: readonly RouterStep[];

  constructor(options: { code: Extract<ProviderErrorCode, 'provider_unavailable' | 'invalid_request'>; message: string; retryable: boolean; retryAfterMs?: number | undefined; cause?: unknown; accounting: RouterAccounting }) {
    super({ provider: 'router', code: options.code, message: options.message, retryable: options.retryable, retryAfterMs: options.retryAfterMs, cause: options.cause });
    this.name = 'RouterError';
    ({ usage: this.usage, servedBy: this.servedBy, costUsd: this.costUsd, steps: this.steps } = options.accounting);
  }
}

/** The caller's abort, named AbortError (isAbortError is true), with what was generated until then; `cause` is the abort's error. */
export class RouterAbortError extends Error implements RouterAccounting {
  readonly usage: ChatUsage;
  readonly servedBy: string[];
  readonly costUsd: number | null;
  readonly steps: readonly RouterStep[];

  constructor(cause: unknown, accounting: RouterAccounting) {
    super('the generation was aborted', { cause });
    this.name = 'AbortError';
    ({ usage: this.usage, servedBy: this.servedBy, costUsd: this.costUsd, steps: this.steps } = accounting);
  }
}

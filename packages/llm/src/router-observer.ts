// What the router reports for metrics. The worker binds it to prom-client; this package imports no metrics library.
import type { BreakerStateName } from './circuit-breaker.js';
import type { ProviderErrorCode } from './provider-error.js';

/** Labels of one attempt: one request sent to one deployment. */
export interface AttemptLabels {
  readonly deployment: string;
  /** The provider's model id the attempt asked for. */
  readonly model: string;
  readonly provider: string;
}

export interface AttemptEnd extends AttemptLabels {
  /** `ok`: the answer finished; `error`: it failed (see errorCode); `aborted`: the caller's signal or the caller stopped reading. */
  readonly outcome: 'ok' | 'error' | 'aborted';
  readonly errorCode?: ProviderErrorCode | undefined;
  readonly durationMs: number;
  /** From sending to the first output text, when there was any. */
  readonly timeToFirstTokenMs?: number | undefined;
  /** The provider's counts on success; estimated (4 characters a token) for a failed attempt that produced text; 0 for one that did not. */
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Why the router left a deployment: the attempt's error code, or its breaker being open. */
export type FailoverReason = ProviderErrorCode | 'circuit_open';

export interface FailoverInfo {
  readonly from: string;
  readonly to: string;
  readonly reason: FailoverReason;
  /** Whether the caller had already received text: the next deployment continues the answer. */
  readonly afterOutput: boolean;
}

/**
 * Callbacks for metrics, all optional. They are called synchronously on the request's path and
 * must not throw (an error thrown here fails the request).
 */
export interface RouterObserver {
  /** A request is about to be sent to a deployment. */
  onAttempt?(attempt: AttemptLabels & { readonly continuation: boolean }): void;
  /** That attempt ended, whatever the way. */
  onAttemptEnd?(attempt: AttemptEnd): void;
  /** The router moved from one deployment to another (also emitted as a `failover` stream event). */
  onFailover?(failover: FailoverInfo): void;
  /** A deployment's breaker was seen in a new state by this process (the first sighting of a non-closed state included). */
  onBreakerChange?(change: { readonly deployment: string; readonly state: BreakerStateName }): void;
  /** The breaker store failed (e.g. Redis down); the router carries on as if every breaker were closed. */
  onBreakerStoreError?(error: unknown): void;
}

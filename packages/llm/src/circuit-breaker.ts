// The circuit breaker of each deployment, behind a port so that generation instances can share
// it in Redis (consumers/generation) while this package never imports a Redis client.

/** The `breaker` section of the router configuration. */
export interface BreakerSettings {
  /** The rolling window failures are counted over, in ten buckets of windowMs/10 (default 60 000). */
  readonly windowMs: number;
  /** No opening before this many requests ended in the window (default 5). */
  readonly minRequests: number;
  /** Open when failures / requests in the window reach this (0 < ratio <= 1; default 0.5). */
  readonly failureRatio: number;
  /** How long it stays open before letting one probe through (half-open), in ms (default 30 000). */
  readonly cooldownMs: number;
}

export type BreakerStateName = 'closed' | 'open' | 'half_open';

export interface BreakerState {
  /** `open` until `openedUntil`, `half_open` from then until a recorded outcome decides. */
  readonly state: BreakerStateName;
  /** When `open` ends (epoch ms); set when open or half-open. */
  readonly openedUntil?: number;
  /** Failures and requests in the current window (both 0 once open: the window restarts on closing). */
  readonly failures: number;
  readonly requests: number;
}

export type BreakerOutcome = 'success' | 'failure';

/**
 * Per-deployment breaker state. `now` is the caller's clock in epoch ms (injected for tests; the
 * instances sharing a store should have roughly synchronised clocks).
 *
 * Rules every implementation follows:
 * - closed: an outcome is counted in the window; when requests >= minRequests and
 *   failures / requests >= failureRatio, it opens until now + cooldownMs and the counts reset.
 * - open: outcomes are ignored (they are late answers of requests sent before it opened).
 * - half-open (open and cooldownMs elapsed): the next outcome decides: success closes it (counts
 *   reset), failure opens it again for cooldownMs.
 */
export interface BreakerStore {
  /**
   * Records how a request to `deployment` ended (`count` requests alike, default 1: the router
   * sends successes in batches); returns the state after it.
   */
  record(deployment: string, outcome: BreakerOutcome, now: number, count?: number): Promise<BreakerState>;
  state(deployment: string, now: number): Promise<BreakerState>;
  /**
   * May a request go to `deployment` now? Always when closed, never when open; when half-open,
   * true for exactly one caller (the probe) until its lease of cooldownMs runs out, so a probe
   * whose outcome is never recorded (an abort) cannot block the deployment for ever.
   */
  tryAcquireProbe(deployment: string, now: number): Promise<boolean>;
  /** Closes the breaker and resets its counts (the health check's recovery). */
  forceClose(deployment: string): Promise<void>;
  /** Every deployment the store has state for, with its state at `now`. */
  list(now: number): Promise<readonly ({ readonly deployment: string } & BreakerState)[]>;
}

/** The buckets of a window: counts older than this many buckets before the current one are dropped. */
export const BREAKER_BUCKETS = 10;

/** Checks BreakerSettings once at construction of a store. */
export const checkBreakerSettings = (settings: BreakerSettings): BreakerSettings => {
  const { windowMs, minRequests, failureRatio, cooldownMs } = settings;
  for (const [name, value] of Object.entries({ windowMs, minRequests, cooldownMs })) {
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`breaker: ${name} must be a positive whole number, got ${value}`);
  }
  if (!(failureRatio > 0 && failureRatio <= 1)) throw new TypeError(`breaker: failureRatio must be in (0, 1], got ${failureRatio}`);
  return settings;
};

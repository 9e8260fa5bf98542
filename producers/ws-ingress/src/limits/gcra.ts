// The Generic Cell Rate Algorithm, shared by the Redis script and the in-process fallback so both
// answer the same way. State is one number per key: the theoretical arrival time (TAT) of the next
// request if requests came exactly at the allowed rate. See docs/decisions/0010-rate-limits.md.

/** One rate-limit answer. */
export interface RateDecision {
  allowed: boolean;
  /** When refused: milliseconds until one request will be admitted (at least 1). 0 when allowed. */
  retryAfterMs: number;
  /** Requests that could still be sent at once after this one. */
  remaining: number;
}

/** Where the limit's state lives (Redis, or this process's memory when Redis is unreachable). */
export interface RateLimitStore {
  /** Counts one request against `key` at `limit` requests per `periodMs`. */
  take(key: string, limit: number, periodMs: number): Promise<RateDecision>;
}

/**
 * A GCRA step in plain numbers (milliseconds): `tat` is the stored TAT or undefined, `now` the
 * clock. Returns the decision and the TAT to store when allowed. A key may send `limit` requests
 * at once, then one every `periodMs / limit`.
 */
export const gcraStep = (tat: number | undefined, now: number, limit: number, periodMs: number): { decision: RateDecision; tat?: number } => {
  const interval = periodMs / limit;
  const base = Math.max(tat ?? now, now);
  const next = base + interval;
  const allowAt = next - periodMs;
  if (now < allowAt) {
    return { decision: { allowed: false, retryAfterMs: Math.max(1, Math.ceil(allowAt - now)), remaining: 0 } };
  }
  return { decision: { allowed: true, retryAfterMs: 0, remaining: Math.floor((periodMs - (next - now)) / interval + 1e-9) }, tat: next };
};

// The contract of the token ledger: counts per budget and period, reserve-then-settle.

/** One budget in one period: what a request's tokens are counted against. */
export interface BudgetCounter {
  /** What is limited, e.g. `tenant:acme:model:*:day` or `key:key_0123456789ab:day`. */
  scope: string;
  /** Tokens allowed in the period (> 0). */
  limit: number;
  /** Names the period, e.g. `2026-11-26`; a new key starts a fresh count. */
  periodKey: string;
  /** When the period ends (ms since the epoch): `retryAfterMs` counts to it; the count's keys expire a grace after it. */
  expiresAt: number;
}

export interface ReserveRequest {
  /**
   * Unique per generation attempt. Reserving again with a known id (held, settled or expired,
   * within the retention) answers ok and changes nothing: a resent command never holds twice.
   */
  reservationId: string;
  /** Every counter must admit the tokens, or none is touched. */
  counters: readonly BudgetCounter[];
  /** The estimate held until settled: prompt tokens plus the output limit. */
  tokens: number;
  /** How long the hold lasts unsettled (a crashed worker): it is then dropped from the counts, uncharged. */
  ttlMs: number;
}

export type ReserveResult =
  | { ok: true }
  | {
      ok: false;
      /** The first counter (in the order given) that could not admit the tokens. */
      scope: string;
      limit: number;
      /** Settled plus held tokens of that counter, before this request. */
      used: number;
      /** Until that counter's period ends. */
      retryAfterMs: number;
    };

export interface SettleRequest {
  reservationId: string;
  /** What was really used (provider-reported, or counted so far when the stream stopped early). */
  tokens: number;
  /**
   * The reservation's counters. Only needed when the reservation may be unknown to Redis (never
   * recorded, or its record expired): the tokens are then charged to these. Without them, the
   * counters stored with the reservation are used (one more round trip).
   */
  counters?: readonly BudgetCounter[];
}

/**
 * `settled`: the hold was replaced by the tokens. `expired`: the hold had already been dropped (its
 * ttl passed); the tokens are charged anyway. `unknown`: no such reservation; the tokens were
 * charged to the counters given, if any. `duplicate`: settled before; nothing changed.
 */
export type SettleStatus = 'settled' | 'expired' | 'unknown' | 'duplicate';

export interface CounterStanding {
  scope: string;
  periodKey: string;
  limit: number;
  /** Settled plus held tokens. */
  used: number;
  /** max(0, limit - used). */
  remaining: number;
}

/** Token counts shared by every generation process. Methods reject with BudgetError. */
export interface BudgetLedger {
  /** Holds `tokens` in every counter if all admit them (settled + held + tokens <= limit), atomically. */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /**
   * Replaces the hold by the tokens really used, in every counter of the reservation: the difference
   * is refunded, or charged when the use is above the estimate (the one way a count passes its
   * limit: by that overshoot). Idempotent.
   */
  settle(request: SettleRequest): Promise<SettleStatus>;
  /** Settles with 0 tokens: the hold is returned whole (nothing was generated). */
  release(request: { reservationId: string; counters?: readonly BudgetCounter[] }): Promise<SettleStatus>;
  /** Where each counter stands, expired holds dropped. */
  remaining(counters: readonly BudgetCounter[]): Promise<CounterStanding[]>;
}

/** The three keys of a counter in a period: totals (hash spent/held), holds (hash id -> tokens), hold expiries (zset). */
export const counterKeys = (prefix: string, counter: Pick<BudgetCounter, 'scope' | 'periodKey'>): [string, string, string] => {
  const base = `${prefix}rivulet:budget:counter:${counter.scope}:${counter.periodKey}`;
  return [`${base}:totals`, `${base}:holds`, `${base}:expiries`];
};

/** The record of a reservation (hash: state, tokens, counters while held). */
export const reservationKey = (prefix: string, reservationId: string): string => `${prefix}rivulet:budget:reservation:${reservationId}`;

// The token ledger in Redis: one Lua script per operation (ledger-scripts.ts), so reservations
// from any number of processes and connections are checked and recorded atomically.
import type { Redis } from 'ioredis';
import { BudgetError } from './budget-error.js';
import {
  counterKeys, reservationKey,
  type BudgetCounter, type BudgetLedger, type CounterStanding, type ReserveRequest, type ReserveResult, type SettleRequest, type SettleStatus,
} from './ledger.js';
import { SCRIPTS, type LedgerScript } from './ledger-scripts.js';

export interface RedisBudgetLedgerOptions {
  /**
   * A connection that fails fast (createBudgetRedis): a request must not wait long on an
   * unreachable Redis. ioredis may resend a command after a reconnect; every script is idempotent.
   */
  redis: Redis;
  /** Prepended to every key (KAFKA_TOPIC_PREFIX), then `rivulet:budget:`. */
  prefix?: string;
  /** How long a count's keys outlive its period, so a late settle still finds them. Default 1 day. */
  keyGraceMs?: number;
  /**
   * How long a reservation's record outlives its hold, and a settled one is remembered (duplicate
   * settles). Default 15 minutes: each generation attempt reserves under an id of its own, so only
   * a retried call of the same attempt can repeat a settle, within seconds; every settled request
   * leaves a ~300-byte record for this long (at 100 requests/s, 90,000 records, ~27 MB).
   */
  retentionMs?: number;
  /**
   * The clock budget periods are read on: how long a count's keys live is sent to Redis as a
   * duration from this clock's now. In a worker it is the Redis-synced clock (createRedisClock), the
   * same one the policy chooses periods by. Hold expiries never use it: they are Redis's own TIME.
   */
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RETENTION_MS = 15 * 60 * 1000;
const SETTLE_STATUSES: Record<number, SettleStatus> = { 1: 'settled', 2: 'expired', 3: 'unknown' };

const wholeTokens = (name: string, value: number): void => {
  if (!Number.isSafeInteger(value) || value < 0) throw new BudgetError('invalid_argument', `${name} must be a whole number >= 0; got ${value}.`);
};

const checkCounters = (counters: readonly BudgetCounter[]): void => {
  const seen = new Set<string>();
  for (const { scope, periodKey, limit, expiresAt } of counters) {
    if (scope === '' || periodKey === '') throw new BudgetError('invalid_argument', 'A budget counter needs a scope and a period key.');
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new BudgetError('invalid_argument', `The limit of ${scope} must be a whole number > 0; got ${limit}.`);
    if (!Number.isFinite(expiresAt)) throw new BudgetError('invalid_argument', `The expiry of ${scope} must be a time in ms.`);
    const name = `${scope}\u0000${periodKey}`;
    if (seen.has(name)) throw new BudgetError('invalid_argument', `The counter ${scope} (${periodKey}) is given twice.`);
    seen.add(name);
  }
};

const checkId = (reservationId: string): void => {
  if (reservationId === '') throw new BudgetError('invalid_argument', 'A reservation needs an id.');
};

export const createRedisBudgetLedger = ({
  redis, prefix = '', keyGraceMs = DAY_MS, retentionMs = DEFAULT_RETENTION_MS, now = Date.now,
}: RedisBudgetLedgerOptions): BudgetLedger => {
  if (!(keyGraceMs >= 0) || !(retentionMs > 0)) throw new RangeError('keyGraceMs must be >= 0 and retentionMs > 0');

  const run = async (script: LedgerScript, keys: string[], args: (string | number)[]): Promise<unknown> => {
    try {
      try {
        return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return await redis.eval(script.source, keys.length, ...keys, ...args);
      }
    } catch (error) {
      throw new BudgetError('budget_unavailable', `token budgets cannot be counted: ${(error as Error).message}`, { cause: error });
    }
  };
  const unexpected = (reply: unknown): BudgetError => new BudgetError('budget_unavailable', `unexpected reply from a budget script: ${JSON.stringify(reply)}`);
  const keysOf = (counters: readonly BudgetCounter[]): string[] => counters.flatMap((counter) => counterKeys(prefix, counter));
  /** A count's keys live until a grace after its period ends, as a duration: Redis's clock decides when that is. */
  const keyLifetime = (counter: BudgetCounter, at: number): number => Math.ceil(counter.expiresAt + keyGraceMs - at);

  const storedCounters = async (reservationId: string): Promise<BudgetCounter[]> => {
    let stored: string | null;
    try {
      stored = await redis.hget(reservationKey(prefix, reservationId), 'counters');
    } catch (error) {
      throw new BudgetError('budget_unavailable', `token budgets cannot be counted: ${(error as Error).message}`, { cause: error });
    }
    return stored === null ? [] : (JSON.parse(stored) as BudgetCounter[]);
  };

  const settle = async ({ reservationId, tokens, counters }: SettleRequest): Promise<SettleStatus> => {
    checkId(reservationId);
    wholeTokens('tokens', tokens);
    if (counters) checkCounters(counters);
    const charged = counters ?? (await storedCounters(reservationId));
    const at = now();
    const reply = await run(
      SCRIPTS.settle,
      [reservationKey(prefix, reservationId), ...keysOf(charged)],
      [reservationId, tokens, retentionMs, ...charged.map((counter) => keyLifetime(counter, at))],
    );
    if (!Array.isArray(reply)) throw unexpected(reply);
    if (reply[0] === 0) return 'duplicate';
    const status = SETTLE_STATUSES[Number(reply[1])];
    if (!status) throw unexpected(reply);
    return status;
  };

  return {
    async reserve({ reservationId, counters, tokens, ttlMs }: ReserveRequest): Promise<ReserveResult> {
      checkId(reservationId);
      wholeTokens('tokens', tokens);
      checkCounters(counters);
      if (!(ttlMs > 0)) throw new BudgetError('invalid_argument', `ttlMs must be > 0; got ${ttlMs}.`);
      if (counters.length === 0) return { ok: true };
      const at = now();
      const reply = await run(
        SCRIPTS.reserve,
        [reservationKey(prefix, reservationId), ...keysOf(counters)],
        [reservationId, tokens, Math.ceil(ttlMs), retentionMs, JSON.stringify(counters), ...counters.flatMap((counter) => [counter.limit, keyLifetime(counter, at)])],
      );
      if (!Array.isArray(reply)) throw unexpected(reply);
      if (reply[0] === 1 || reply[0] === 2) return { ok: true };
      const refused = counters[Number(reply[1]) - 1];
      if (reply[0] !== 0 || !refused) throw unexpected(reply);
      return { ok: false, scope: refused.scope, limit: refused.limit, used: Number(reply[2]), retryAfterMs: Math.max(0, Math.ceil(refused.expiresAt - at)) };
    },
    settle,
    release: ({ reservationId, counters }) => settle({ reservationId, tokens: 0, ...(counters ? { counters } : {}) }),
    async remaining(counters): Promise<CounterStanding[]> {
      checkCounters(counters);
      if (counters.length === 0) return [];
      const reply = await run(SCRIPTS.standing, keysOf(counters), []);
      if (!Array.isArray(reply) || reply.length !== counters.length) throw unexpected(reply);
      return counters.map(({ scope, periodKey, limit }, index) => {
        const [spent, held] = (reply[index] as [string, string]).map(Number) as [number, number];
        const used = spent + held;
        return { scope, periodKey, limit, used, remaining: Math.max(0, limit - used) };
      });
    },
  };
};

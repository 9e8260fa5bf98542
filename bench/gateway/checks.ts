// The gateway's per-request checks, built from the real components and wired as the ingress
// (producers/ws-ingress/src/main.ts) and the generation worker (consumers/generation/src/main.ts)
// wire them: API keys from PostgreSQL behind the static keys, cached 30 s, revocations over Redis;
// the GCRA rate limit in Redis on a fail-fast connection; token budgets reserved and settled by
// Redis Lua scripts, the rules cached 5 s. Everything lives in a database schema and under a Redis
// key prefix of the run's own, removed by close().
import { authenticate, staticApiKeyStore, type ApiKeyPrincipal } from '@rivulet/ws-ingress';
import { createApiKey, createPool, migrate, setTokenBudget } from '@rivulet/store';
import {
  createBudgetPolicy, createBudgetRedis, createCachedBudgetRules, createRedisBudgetLedger, storeBudgetRules, type BudgetReservation,
} from '@rivulet/worker-generation';
import { chainApiKeyStores, createRateLimiter, createRateLimiterRedis, databaseApiKeyStore, redisRateLimitStore } from './ingress-internals.js';

export interface GatewayChecksOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Names the schema, tenant and Redis prefix. */
  run: string;
  /** Tokens each request reserves (prompt plus output limit) and then settles (what was used). */
  estimateTokens: number;
  actualTokens: number;
}

/** One request's checks as separate steps, so each can also be timed alone. */
export interface GatewayChecks {
  /** `Authorization: Bearer <key>` for the run's key. */
  authorization: string;
  tenantId: string;
  keyId: string;
  /** The ingress's API-key check (throws IngressError `unauthorized`). */
  authenticate(header: string | undefined): Promise<ApiKeyPrincipal>;
  /** The ingress's rate limit (throws RateLimitedError when over; the limit is set so it never is). */
  rateLimit(principal: ApiKeyPrincipal): Promise<void>;
  /** The generation worker's budget reserve; throws when refused (the budget is set so it never is). */
  reserve(principal: ApiKeyPrincipal, requestId: string): Promise<BudgetReservation>;
  /** Settles a reservation with `actualTokens`; throws when the ledger could not. */
  settle(reservation: BudgetReservation): Promise<void>;
  /** All four, in the order of the request path. */
  all(header: string | undefined, requestId: string): Promise<void>;
  /** One Redis PING on the budget connection: the round trip every script pays. */
  ping(): Promise<void>;
  /**
   * Rate-limit calls whose Redis script failed (the limiter then counts in memory for a second,
   * silently and more cheaply): non-zero means the checked figures understate the cost.
   */
  rateLimitStoreErrors(): number;
  /** What the run left in Redis: its keys, and one settled reservation record's size (MEMORY USAGE) and remaining ttl. */
  footprint(): Promise<RedisFootprint>;
  close(): Promise<void>;
}

export interface RedisFootprint {
  keys: number;
  reservationKeys: number;
  reservationBytes: number | null;
  reservationTtlHours: number | null;
}

/** Requests per minute of the key and daily tokens of the tenant: far above what a run sends, so nothing is refused. */
const RATE_PER_MINUTE = 100_000_000;
const DAILY_TOKENS = 1_000_000_000_000;
/** producers/ws-ingress/src/main.ts API_KEY_CACHE_MS; consumers/generation BUDGET_RULES_CACHE default. */
const API_KEY_CACHE_MS = 30_000;
const BUDGET_RULES_CACHE_MS = 5_000;

export const openGatewayChecks = async ({ databaseUrl, redisUrl, run, estimateTokens, actualTokens }: GatewayChecksOptions): Promise<GatewayChecks> => {
  const schema = `bench_gateway_${run}`;
  const prefix = `bench-gateway-${run}:`;
  const tenantId = `bench-gateway-${run}`;
  await migrate({ databaseUrl, schema });
  const pool = createPool({ databaseUrl, schema, max: 4, applicationName: 'rivulet-bench-gateway' });
  const keySubscriber = createRateLimiterRedis(redisUrl);
  const limiterRedis = createRateLimiterRedis(redisUrl);
  const budgetRedis = createBudgetRedis(redisUrl);
  const keys = databaseApiKeyStore({ pool, redis: keySubscriber, prefix, cacheMs: API_KEY_CACHE_MS });

  /** Every key of the run, a batch at a time: rate-limit state, budget counters and reservation records. */
  const eachKeyBatch = async (work: (found: string[]) => Promise<unknown>): Promise<void> => {
    let cursor = '0';
    do {
      const [next, found] = await budgetRedis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await work(found);
    } while (cursor !== '0');
  };

  const close = async (): Promise<void> => {
    await keys.stop().catch(() => undefined);
    if (budgetRedis.status === 'ready') await eachKeyBatch((found) => budgetRedis.del(...found));
    for (const redis of [keySubscriber, limiterRedis, budgetRedis]) redis.disconnect();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  };

  try {
    await Promise.all([keySubscriber.connect(), limiterRedis.connect(), budgetRedis.connect()]);
    await keys.start();
    const created = await createApiKey(pool, { tenantId, ratePerMinute: RATE_PER_MINUTE });
    await setTokenBudget(pool, { tenantId, period: 'day', tokens: DAILY_TOKENS });

    // The ingress asks the static RIVULET_API_KEYS first: a database key pays that miss too.
    const auth = chainApiKeyStores(staticApiKeyStore([{ tenantId: 'bench-static', key: `static-${run}` }]), keys);
    const redisStore = redisRateLimitStore({ redis: limiterRedis, prefix });
    let storeErrors = 0;
    const limiter = createRateLimiter({
      store: {
        take: (key, limit, periodMs) => redisStore.take(key, limit, periodMs).catch((error: unknown) => {
          storeErrors += 1;
          throw error;
        }),
      },
      defaultPerMinute: 60,
    });
    const policy = createBudgetPolicy({
      ledger: createRedisBudgetLedger({ redis: budgetRedis, prefix }),
      rules: createCachedBudgetRules({ load: storeBudgetRules(pool), ttlMs: BUDGET_RULES_CACHE_MS }),
    });

    const steps = {
      authenticate: (header: string | undefined) => authenticate(auth, header),
      rateLimit: (principal: ApiKeyPrincipal) => limiter.admit(principal, 'http'),
      reserve: async (principal: ApiKeyPrincipal, requestId: string): Promise<BudgetReservation> => {
        const decision = await policy.reserve({ requestId, attemptId: '1', tenantId: principal.tenantId, apiKeyId: principal.keyId, model: 'bench-model', estimateTokens });
        if (!decision.ok) throw new Error(`budget refused: ${decision.error.message}`);
        if (!decision.reservation.held) throw new Error('budget: nothing held (no budget applies?)');
        return decision.reservation;
      },
      settle: async (reservation: BudgetReservation): Promise<void> => {
        const settled = await policy.settle(reservation, actualTokens);
        if (!settled.ok) throw settled.error;
        if (settled.status !== 'settled') throw new Error(`budget: settle answered ${settled.status}`);
      },
    };
    return {
      ...steps,
      authorization: `Bearer ${created.key}`, tenantId, keyId: created.id,
      all: async (header, requestId) => {
        const principal = await steps.authenticate(header);
        await steps.rateLimit(principal);
        await steps.settle(await steps.reserve(principal, requestId));
      },
      ping: async () => {
        await budgetRedis.ping();
      },
      rateLimitStoreErrors: () => storeErrors,
      footprint: async () => {
        let count = 0;
        let reservations = 0;
        let sample: string | undefined;
        await eachKeyBatch((found) => {
          count += found.length;
          const reservationKeys = found.filter((key) => key.includes(':rivulet:budget:reservation:'));
          reservations += reservationKeys.length;
          sample ??= reservationKeys[0];
          return Promise.resolve();
        });
        if (sample === undefined) return { keys: count, reservationKeys: reservations, reservationBytes: null, reservationTtlHours: null };
        const [bytes, ttlMs] = await Promise.all([budgetRedis.memory('USAGE', sample), budgetRedis.pttl(sample)]);
        return { keys: count, reservationKeys: reservations, reservationBytes: bytes, reservationTtlHours: Math.round((ttlMs / 3_600_000) * 10) / 10 };
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
};

// Requests per minute per API key (PROTOCOL.md §3 `rate_limited`): counted in Redis so every
// ingress instance shares one count, with a per-process fallback while Redis is unreachable.
import type { Logger, Metrics } from '@rivulet/observability';
import type { ApiKeyPrincipal } from '../auth.js';
import { IngressError } from '../errors.js';
import type { RateDecision, RateLimitStore } from './gcra.js';
import { localRateLimitStore } from './local-rate-limit-store.js';

/** What to do while Redis cannot be reached: count per instance (default), or refuse everything. */
export const REDIS_DOWN_POLICIES = ['allow-local', 'deny'] as const;
export type RedisDownPolicy = (typeof REDIS_DOWN_POLICIES)[number];

/** Where a request came in, the label of `rivulet_rate_limited_total`. */
export type RateLimitSurface = 'websocket' | 'http';

/** `rate_limited` with the wait the client should respect; retryable. */
export class RateLimitedError extends IngressError {
  declare readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super('rate_limited', message, { retriable: true, retryAfterMs });
  }
}

export interface RateLimiterOptions {
  /** The shared count (Redis). */
  store: RateLimitStore;
  /** Used while `store` fails; default an in-process GCRA. */
  fallback?: RateLimitStore;
  /** RATE_LIMIT_PER_MINUTE: the limit of keys without their own `rate_per_minute`; 0 = unlimited. */
  defaultPerMinute: number;
  /** RATE_LIMIT_REDIS_DOWN. Default `allow-local`. */
  redisDownPolicy?: RedisDownPolicy;
  /** After a store failure, how long to go straight to the fallback before trying the store again. Default 1 s. */
  storeRetryMs?: number;
  /** The window; 60 s except in tests. */
  periodMs?: number;
  metrics?: Metrics;
  logger?: Logger;
  now?: () => number;
}

export interface RateLimiter {
  /** Counts one request of `principal`; throws RateLimitedError when over its limit. */
  admit(principal: ApiKeyPrincipal, surface: RateLimitSurface): Promise<void>;
  /** Counts one request and returns the decision (undefined when the key is unlimited). */
  take(principal: ApiKeyPrincipal): Promise<RateDecision | undefined>;
  /** True while the shared store is unreachable and the fallback answers. */
  isFallingBack(): boolean;
}

const DENY_RETRY_MS = 1000;

export const createRateLimiter = ({
  store, fallback = localRateLimitStore(), defaultPerMinute, redisDownPolicy = 'allow-local', storeRetryMs = 1000, periodMs = 60_000,
  metrics, logger, now = Date.now,
}: RateLimiterOptions): RateLimiter => {
  if (!Number.isInteger(defaultPerMinute) || defaultPerMinute < 0) throw new RangeError('defaultPerMinute must be an integer >= 0');
  if (!(periodMs > 0) || !(storeRetryMs >= 0)) throw new RangeError('periodMs must be > 0 and storeRetryMs >= 0');
  const fallbackGauge = metrics?.gauge({ name: 'rivulet_rate_limit_fallback', help: '1 while rate limits are counted per instance because Redis is unreachable, else 0.' });
  const limited = metrics?.counter({ name: 'rivulet_rate_limited_total', help: 'Requests refused as rate_limited, by surface (websocket, http).', labelNames: ['surface'] });
  fallbackGauge?.set(0);
  let fallingBack = false;
  let storeRetryAt = 0;

  const enterFallback = (error: unknown): void => {
    storeRetryAt = now() + storeRetryMs;
    if (fallingBack) return;
    fallingBack = true;
    fallbackGauge?.set(1);
    logger?.warn({ error, policy: redisDownPolicy }, redisDownPolicy === 'deny'
      ? 'rate limits cannot be checked (Redis unreachable); refusing counted requests until it is back'
      : 'rate limits cannot be checked in Redis; counting per instance until it is back (with N instances a key may get up to N times its limit)');
  };
  const leaveFallback = (): void => {
    if (!fallingBack) return;
    fallingBack = false;
    fallbackGauge?.set(0);
    logger?.info('rate limits are counted in Redis again');
  };

  const take = async (principal: ApiKeyPrincipal): Promise<RateDecision | undefined> => {
    const limit = principal.ratePerMinute ?? defaultPerMinute;
    if (limit <= 0) return undefined;
    if (!fallingBack || now() >= storeRetryAt) {
      try {
        const decision = await store.take(principal.keyId, limit, periodMs);
        leaveFallback();
        return decision;
      } catch (error) {
        enterFallback(error);
      }
    }
    if (redisDownPolicy === 'deny') return { allowed: false, retryAfterMs: DENY_RETRY_MS, remaining: 0 };
    return fallback.take(principal.keyId, limit, periodMs);
  };

  return {
    take,
    async admit(principal, surface) {
      const decision = await take(principal);
      if (!decision || decision.allowed) return;
      limited?.inc({ surface });
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new RateLimitedError(
        fallingBack && redisDownPolicy === 'deny'
          ? `Request rates cannot be checked right now (their store is unreachable) and this server refuses counted requests until they can; retry in ${seconds} s.`
          : `This API key is over its request rate (${principal.ratePerMinute ?? defaultPerMinute} per minute); retry in ${seconds} s.`,
        decision.retryAfterMs,
      );
    },
    isFallingBack: () => fallingBack,
  };
};

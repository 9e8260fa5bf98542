// Per-API-key request rate limits (docs/decisions/0010-rate-limits.md).
export { gcraStep, type RateDecision, type RateLimitStore } from './gcra.js';
export { localRateLimitStore, type LocalRateLimitStoreOptions } from './local-rate-limit-store.js';
export { GCRA_SCRIPT, rateLimitKey, redisRateLimitStore, type RedisRateLimitStoreOptions } from './redis-rate-limit-store.js';
export { createRateLimiterRedis } from './rate-limit-redis.js';
export {
  createRateLimiter, RateLimitedError, REDIS_DOWN_POLICIES, type RateLimiter, type RateLimiterOptions, type RateLimitSurface, type RedisDownPolicy,
} from './rate-limiter.js';

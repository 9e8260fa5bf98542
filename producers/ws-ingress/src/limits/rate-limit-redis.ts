// The limiter's own Redis connection, built to fail fast: no offline queue (a command while
// disconnected fails at once instead of waiting), a 200 ms command timeout and one retry, so a
// request never hangs on Redis; the limiter then falls back (RATE_LIMIT_REDIS_DOWN).
import { Redis } from 'ioredis';

export interface RateLimiterRedisOptions {
  /** Default 200 ms. */
  commandTimeoutMs?: number;
  /** Called on connection errors (ioredis keeps reconnecting in the background). */
  onError?: (error: Error) => void;
}

export const createRateLimiterRedis = (url: string, { commandTimeoutMs = 200, onError = () => undefined }: RateLimiterRedisOptions = {}): Redis => {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  redis.on('error', onError);
  return redis;
};

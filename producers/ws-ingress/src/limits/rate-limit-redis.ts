// The limiter's own Redis connection (createFailFastRedis: no offline queue, a 200 ms command
// timeout, one retry), so a request never hangs on Redis; the limiter then falls back
// (RATE_LIMIT_REDIS_DOWN).
import type { Redis } from 'ioredis';
import { createFailFastRedis } from '@rivulet/service';

export interface RateLimiterRedisOptions {
  /** Default 200 ms. */
  commandTimeoutMs?: number;
  /** Called on connection errors (ioredis keeps reconnecting in the background). */
  onError?: (error: Error) => void;
}

export const createRateLimiterRedis = (url: string, { commandTimeoutMs = 200, onError }: RateLimiterRedisOptions = {}): Redis =>
  createFailFastRedis(url, { commandTimeoutMs, ...(onError ? { onError } : {}) });

// A Redis connection for checks that sit on a request's path (rate limits, token budgets, circuit
// breakers), built to fail fast: no offline queue (a command while disconnected fails at once
// instead of waiting), a short command timeout and one retry. The caller then applies its own
// policy for an unreachable Redis; nothing hangs.
import { Redis } from 'ioredis';

export interface FailFastRedisOptions {
  /** How long one command may take before it fails. */
  commandTimeoutMs: number;
  /** Called on connection errors (ioredis keeps reconnecting in the background). */
  onError?: (error: Error) => void;
}

export const createFailFastRedis = (url: string, { commandTimeoutMs, onError = () => undefined }: FailFastRedisOptions): Redis => {
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

// The ledger's own Redis connection, built to fail fast: no offline queue (a command while
// disconnected fails at once), a short command timeout and one retry, so a request never hangs
// on Redis; the policy then applies its `onRedisDown`. A retried script is harmless: reserve and
// settle are idempotent per reservation id.
import { Redis } from 'ioredis';

export interface BudgetRedisOptions {
  /** Default 500 ms. */
  commandTimeoutMs?: number;
  /** Called on connection errors (ioredis keeps reconnecting in the background). */
  onError?: (error: Error) => void;
}

export const createBudgetRedis = (url: string, { commandTimeoutMs = 500, onError = () => undefined }: BudgetRedisOptions = {}): Redis => {
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

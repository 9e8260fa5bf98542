// The ledger's own Redis connection (createFailFastRedis: no offline queue, a 500 ms command
// timeout, one retry), so a request never hangs on Redis; the policy then applies its
// `onRedisDown`. A retried script is harmless: reserve and settle are idempotent per reservation id.
import type { Redis } from 'ioredis';
import { createFailFastRedis } from '@rivulet/service';

export interface BudgetRedisOptions {
  /** Default 500 ms. */
  commandTimeoutMs?: number;
  /** Called on connection errors (ioredis keeps reconnecting in the background). */
  onError?: (error: Error) => void;
}

export const createBudgetRedis = (url: string, { commandTimeoutMs = 500, onError }: BudgetRedisOptions = {}): Redis =>
  createFailFastRedis(url, { commandTimeoutMs, ...(onError ? { onError } : {}) });

// The ingress's clients and stores: PostgreSQL, its Redis connections, the API keys and the rate
// limiter. Each is stopped with the service.
import { Redis, type RedisOptions } from 'ioredis';
import type { Service } from '@rivulet/service';
import { createPool, type Pool } from '@rivulet/store';
import { chainApiKeyStores, staticApiKeyStore, type ApiKeyStore } from '../auth.js';
import { databaseApiKeyStore } from '../auth/database-api-key-store.js';
import type { IngressConfig } from '../config.js';
import { createRateLimiter, createRateLimiterRedis, redisRateLimitStore, type RateLimiter } from '../limits/index.js';

/** How long a database key lookup is reused; revocations do not wait for it (Redis broadcast). */
const API_KEY_CACHE_MS = 30_000;

export interface IngressClients {
  pool: Pool;
  /** Reply-partition leases and cancel signals. */
  redis: Redis;
  auth: ApiKeyStore;
  rateLimiter: RateLimiter;
  /** Where a revoked key's open sockets are closed (4401); bound once the WebSocket endpoint exists. */
  closeRevokedSessionsWith(sockets: RevocationTarget): void;
}

export interface RevocationTarget {
  closeSessionsOfKey: (keyId: string) => number;
}

/**
 * A connected Redis client, disconnected on stop. Without an error listener ioredis prints every
 * failed reconnect to stderr as an unhandled error.
 */
const connectRedis = async (service: Service, url: string, options: RedisOptions, onError: (error: Error) => void): Promise<Redis> => {
  const redis = new Redis(url, { lazyConnect: true, ...options });
  redis.on('error', onError);
  service.onStop({ stop: () => Promise.resolve(redis.disconnect()) });
  await redis.connect();
  return redis;
};

/**
 * Keys from `rivulet keys create`, after the static RIVULET_API_KEYS. Revocations arrive on a
 * subscriber connection of their own (a subscribed connection can do nothing else).
 */
const connectApiKeys = async (service: Service, config: IngressConfig, pool: Pool, sockets: () => RevocationTarget | undefined): Promise<ApiKeyStore> => {
  const { logger } = service;
  const subscriber = await connectRedis(service, config.REDIS_URL, {}, (error) => logger.warn({ error }, 'API key revocation subscriber: Redis error (reconnecting)'));
  const databaseKeys = databaseApiKeyStore({
    pool, redis: subscriber, prefix: config.KAFKA_TOPIC_PREFIX, cacheMs: API_KEY_CACHE_MS,
    onRevoked: (keyId) => {
      const closed = sockets()?.closeSessionsOfKey(keyId) ?? 0;
      logger.info({ keyId, closedWebSockets: closed }, 'API key revoked; refused from now on');
    },
  });
  service.onStop(databaseKeys);
  await databaseKeys.start();
  return chainApiKeyStores(staticApiKeyStore(config.RIVULET_API_KEYS), databaseKeys);
};

/** On its own fail-fast connection: a rate check must never wait on an unreachable Redis. */
const connectRateLimiter = async (service: Service, config: IngressConfig): Promise<RateLimiter> => {
  const { logger, metrics } = service;
  const limiterRedis = createRateLimiterRedis(config.REDIS_URL, {
    onError: (error) => logger.debug({ error: error.message }, 'rate limiter: Redis error (reconnecting)'),
  });
  service.onStop({ stop: () => Promise.resolve(limiterRedis.disconnect()) });
  await limiterRedis.connect().catch((error: unknown) => logger.warn({ error }, 'rate limiter: Redis not reachable at start; counting per instance'));
  return createRateLimiter({
    store: redisRateLimitStore({ redis: limiterRedis, prefix: config.KAFKA_TOPIC_PREFIX }),
    defaultPerMinute: config.RATE_LIMIT_PER_MINUTE, redisDownPolicy: config.RATE_LIMIT_REDIS_DOWN, metrics,
    logger: logger.child({ component: 'rate-limiter' }),
  });
};

export const connectClients = async (service: Service, config: IngressConfig): Promise<IngressClients> => {
  let sockets: RevocationTarget | undefined;
  const pool = createPool({ databaseUrl: config.DATABASE_URL, applicationName: 'rivulet-ingress' });
  service.onStop({ stop: () => pool.end() });
  const redis = await connectRedis(service, config.REDIS_URL, { maxRetriesPerRequest: 2 }, (error) =>
    service.logger.debug({ error: error.message }, 'redis (reply partitions, cancel): error (reconnecting)'));
  const auth = await connectApiKeys(service, config, pool, () => sockets);
  const rateLimiter = await connectRateLimiter(service, config);
  return {
    pool, redis, auth, rateLimiter,
    closeRevokedSessionsWith: (target) => {
      sockets = target;
    },
  };
};

// API keys from PostgreSQL (`rivulet keys create`), cached in memory, with revocation pushed over
// Redis: `revokeApiKeyEverywhere` publishes the key id and every ingress forgets it at once, so
// the cache lifetime only bounds how long a *new* key may be refused, never how long a revoked one
// is accepted.
import type { Redis } from 'ioredis';
import { API_KEY_REVOKED_CHANNEL, findApiKeyByHash, hashApiKey, type Pool } from '@rivulet/store';
import type { ApiKeyPrincipal, ApiKeyStore } from '../auth.js';

export interface DatabaseApiKeyStoreOptions {
  pool: Pool;
  /**
   * A Redis connection of its own: it is put in subscriber mode and can do nothing else. The
   * caller creates, connects and finally disconnects it.
   */
  redis: Redis;
  /** KAFKA_TOPIC_PREFIX: the channel is `${prefix}rivulet:keys:revoked`. */
  prefix?: string;
  /** How long a lookup's answer (found or not) is reused. Default 30 s. */
  cacheMs?: number;
  /** Bound on cached answers; the oldest go first. Default 10,000. */
  maxEntries?: number;
  /** Told about a revocation received (for a log line); the key is already forgotten. */
  onRevoked?: (keyId: string) => void;
  now?: () => number;
}

export interface DatabaseApiKeyStore extends ApiKeyStore {
  /** Subscribes to revocations; resolves once subscribed. Call before serving requests. */
  start(): Promise<void>;
  /** Stops listening (the caller still disconnects its Redis connection). */
  stop(): Promise<void>;
}

interface CacheEntry {
  principal: ApiKeyPrincipal | undefined;
  expiresAt: number;
}

export const databaseApiKeyStore = ({
  pool, redis, prefix = '', cacheMs = 30_000, maxEntries = 10_000, onRevoked = () => undefined, now = Date.now,
}: DatabaseApiKeyStoreOptions): DatabaseApiKeyStore => {
  if (!(cacheMs >= 0) || !(maxEntries > 0)) throw new RangeError('cacheMs must be >= 0 and maxEntries > 0');
  const channel = prefix + API_KEY_REVOKED_CHANNEL;
  const cache = new Map<string, CacheEntry>();
  // Bumped by every revocation (and reconnection): a lookup that was in flight across one may
  // hold a pre-revocation answer, so it is not cached.
  let epoch = 0;
  let subscribed = false;

  // Ids revoked while this process ran: a lookup that was in flight across a revocation answers
  // with what the database said before it, so its answer is checked against these too.
  const revoked = new Set<string>();
  const forget = (keyId: string): void => {
    epoch += 1;
    revoked.add(keyId);
    if (revoked.size > maxEntries) revoked.delete(revoked.values().next().value!);
    for (const [hash, entry] of cache) {
      if (entry.principal?.keyId === keyId) cache.delete(hash);
    }
  };

  const onMessage = (from: string, keyId: string): void => {
    if (from !== channel) return;
    forget(keyId);
    onRevoked(keyId);
  };
  // A connection lost for a while may have missed revocations: start again from an empty cache.
  const onReady = (): void => {
    epoch += 1;
    cache.clear();
  };

  const remember = (hash: string, principal: ApiKeyPrincipal | undefined): void => {
    cache.delete(hash);
    cache.set(hash, { principal, expiresAt: now() + cacheMs });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
  };

  return {
    async lookup(key) {
      const hash = hashApiKey(key);
      const cached = cache.get(hash);
      if (cached && cached.expiresAt > now()) return cached.principal;
      const started = epoch;
      const stored = await findApiKeyByHash(pool, hash);
      const principal = stored && stored.revokedAt === null && !revoked.has(stored.id)
        ? { keyId: stored.id, tenantId: stored.tenantId, ratePerMinute: stored.ratePerMinute } : undefined;
      if (epoch === started) remember(hash, principal);
      return principal;
    },
    async start() {
      if (subscribed) return;
      redis.on('message', onMessage);
      redis.on('ready', onReady);
      await redis.subscribe(channel);
      subscribed = true;
    },
    async stop() {
      redis.off('message', onMessage);
      redis.off('ready', onReady);
      if (subscribed && redis.status === 'ready') await redis.unsubscribe(channel).catch(() => undefined);
      subscribed = false;
      cache.clear();
    },
  };
};

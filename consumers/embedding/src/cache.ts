import { once } from 'node:events';
import { Redis } from 'ioredis';

/**
 * Embeddings already computed, by key (model id + version + content hash). A cache: when it
 * fails, the worker embeds anyway, so its errors are reported, never thrown.
 */
export interface EmbeddingCache {
  getMany(keys: readonly string[]): Promise<(Float32Array | undefined)[]>;
  setMany(entries: readonly { key: string; vector: Float32Array }[]): Promise<void>;
  close(): Promise<void>;
}

export interface RedisEmbeddingCacheOptions {
  url: string;
  ttlMs: number;
  /** Called when Redis fails; the lookup counts as a miss, the write is skipped. */
  onError: (error: Error, operation: 'get' | 'set') => void;
  commandTimeoutMs?: number;
  /** How long start-up waits for Redis; after that the worker runs on misses until it connects. */
  connectTimeoutMs?: number;
}

const toBuffer = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

const fromBuffer = (buffer: Buffer): Float32Array => {
  // Copy into an aligned buffer: a Float32Array view needs a 4-byte aligned offset.
  const copy = new Uint8Array(buffer.byteLength);
  copy.set(buffer);
  return new Float32Array(copy.buffer);
};

/**
 * Binary float32 values (1.5 KiB for 384 dimensions, against ~8 KiB as JSON), one MGET per batch
 * and one pipeline of SET … PX per batch. Commands time out and are not queued while Redis is
 * away, so an outage costs a timeout, not a hang.
 */
export const createRedisEmbeddingCache = async ({ url, ttlMs, onError, commandTimeoutMs = 500, connectTimeoutMs = 2000 }: RedisEmbeddingCacheOptions): Promise<EmbeddingCache> => {
  const redis = new Redis(url, {
      enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  redis.on('error', (error: Error) => onError(error, 'get'));
  await Promise.race([once(redis, 'ready'), new Promise((resolve) => setTimeout(resolve, connectTimeoutMs).unref())]).catch(() => undefined);
  const available = (): boolean => redis.status === 'ready';
  return {
    async getMany(keys) {
      if (keys.length === 0) return [];
      if (!available()) return keys.map(() => undefined);
      try {
        const values = await redis.mgetBuffer(...keys);
        return values.map((value) => (value && value.byteLength % 4 === 0 ? fromBuffer(value) : undefined));
      } catch (error) {
        onError(error as Error, 'get');
        return keys.map(() => undefined);
      }
    },
    async setMany(entries) {
      if (entries.length === 0 || !available()) return;
      try {
        const pipeline = redis.pipeline();
        for (const { key, vector } of entries) pipeline.set(key, toBuffer(vector), 'PX', ttlMs);
        await pipeline.exec();
      } catch (error) {
        onError(error as Error, 'set');
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
};

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisEmbeddingCache } from '../src/index.js';

// The cache Redis (CACHE_REDIS_URL), as the worker uses it.
const url = process.env.CACHE_REDIS_URL ?? 'redis://127.0.0.1:6380';

test('vectors round-trip through Redis as binary float32 with the configured TTL', async () => {
  const errors: string[] = [];
  const cache = await createRedisEmbeddingCache({ url, ttlMs: 60_000, onError: (error) => errors.push(error.message) });
  const key = `rivulet:test:${randomBytes(6).toString('hex')}`;
  const vector = Float32Array.from({ length: 384 }, (_, index) => Math.sin(index));
  await cache.setMany([{ key, vector }]);
  const [hit, miss] = await cache.getMany([key, `${key}:absent`]);
  assert.deepEqual(hit, vector);
  assert.equal(miss, undefined);
  const redis = new Redis(url);
  assert.equal((await redis.getBuffer(key))?.byteLength, 384 * 4, 'stored as 4 bytes per value');
  const ttl = await redis.pttl(key);
  assert.ok(ttl > 50_000 && ttl <= 60_000, `TTL ${ttl}`);
  await redis.del(key);
  await redis.quit();
  await cache.close();
  assert.deepEqual(errors, []);
});

test('with Redis unreachable, lookups are misses and writes are skipped quickly; nothing throws or hangs', async () => {
  const errors: string[] = [];
  const cache = await createRedisEmbeddingCache({ url: 'redis://127.0.0.1:1', ttlMs: 1000, connectTimeoutMs: 300, onError: (error, operation) => errors.push(operation) });
  const started = Date.now();
  assert.deepEqual(await cache.getMany(['a', 'b']), [undefined, undefined]);
  await cache.setMany([{ key: 'a', vector: Float32Array.from([1]) }]);
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  assert.ok(errors.includes('get'));
  await cache.close();
});

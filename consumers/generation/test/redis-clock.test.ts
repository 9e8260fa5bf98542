// The Redis-synced clock budget periods are chosen by: a skewed local clock is corrected to Redis's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createBudgetRedis, createRedisClock } from '../src/budget/index.js';
import { closedPort, connectRedis } from './support/budget-redis.js';

let redis: Redis;
before(async () => {
  redis = await connectRedis();
});
after(() => {
  redis.disconnect();
});

const redisNow = async (): Promise<number> => {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Number(micros) / 1000;
};

test('a local clock days off reads Redis\'s time once synced', async () => {
  for (const skewMs of [-3 * 86_400_000, 0, 5 * 86_400_000 + 1234]) {
    const clock = createRedisClock({ redis, localNow: () => Date.now() + skewMs });
    assert.equal(clock.now() - Date.now() - skewMs <= 1, true, 'before the first sync: the local clock');
    await clock.sync();
    const before = await redisNow();
    const read = clock.now();
    const after = await redisNow();
    assert.ok(read >= before - 20 && read <= after + 20, `within the round trip of Redis's clock (skew ${skewMs} ms: ${before} <= ${read} <= ${after})`);
    assert.ok(Math.abs(clock.offsetMs + skewMs) < 50, `the offset undoes the skew (${clock.offsetMs})`);
  }
});

test('a failed sync rejects and keeps the last offset; start and stop leave no timer running', async () => {
  const down = createBudgetRedis(`redis://127.0.0.1:${await closedPort()}`);
  try {
    const clock = createRedisClock({ redis: down, localNow: () => Date.now() + 60_000 });
    await assert.rejects(clock.sync());
    assert.equal(clock.offsetMs, 0);
    clock.start();
    await clock.stop();
  } finally {
    down.disconnect();
  }
  let local = Date.now();
  const slow = createRedisClock({ redis, localNow: () => (local += 100), maxRoundTripMs: 10 });
  await assert.rejects(slow.sync(), /offset not updated/);
  assert.equal(slow.offsetMs, 0, 'a sample whose round trip was too long is not used');
});

// Budgets and breaker state live in the state Redis, which `rivulet infra up` runs with an
// append-only file and no eviction, apart from the evicting cache Redis of the embeddings: a
// tenant's spend survives Redis being killed and brought back, and cache pressure never evicts it.
// Each test runs Redis instances of its own (temporary home, free ports) through the real infra
// code, so killing them cannot disturb the shared services.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, infraDown, infraStatus, infraUp, type InfraOptions } from '@rivulet/infra';
import { createRedisEmbeddingCache } from '@rivulet/worker-embedding';
import {
  breakerKey, createBudgetPolicy, createBudgetRedis, createRedisBreakerStore, createRedisBudgetLedger, type BudgetPolicy,
} from '@rivulet/worker-generation';

const homes: InfraOptions[] = [];
after(async () => {
  for (const options of homes) {
    await infraDown(options).catch(() => undefined);
    await rm(options.home, { recursive: true, force: true });
  }
});

const ownRedis = async (components: InfraOptions['components'], overrides: Partial<InfraOptions> = {}): Promise<InfraOptions> => {
  const options: InfraOptions = {
    home: await mkdtemp(join(tmpdir(), 'rivulet-state-redis-')), redisPort: await freePort(), redisCachePort: await freePort(), components, ...overrides,
  };
  homes.push(options);
  await infraUp(options);
  return options;
};

const RULES = { budgets: [{ model: '*', period: 'day' as const, tokens: 1000 }], keyDailyTokenBudget: null, tier: 'standard' as const };
const BREAKER = { windowMs: 60_000, minRequests: 5, failureRatio: 0.5, cooldownMs: 30_000 };
const request = (attemptId: string, estimateTokens: number) => ({
  requestId: 'req', attemptId, tenantId: 'acme', apiKeyId: null, model: 'big', estimateTokens,
});

/** The generation worker's own pieces on `url`: its fail-fast connection, ledger, policy and breaker store. */
const generationState = async (url: string): Promise<{ redis: Redis; policy: BudgetPolicy; breakers: ReturnType<typeof createRedisBreakerStore> }> => {
  const redis = createBudgetRedis(url, { commandTimeoutMs: 2000 });
  await redis.connect();
  const policy = createBudgetPolicy({ ledger: createRedisBudgetLedger({ redis }), rules: () => Promise.resolve(RULES) });
  return { redis, policy, breakers: createRedisBreakerStore({ redis, settings: BREAKER }) };
};

/** Spends 900 of the tenant's 1000 daily tokens and opens a breaker (5 failures of 5). */
const spendAndTrip = async ({ policy, breakers }: Awaited<ReturnType<typeof generationState>>): Promise<void> => {
  const decision = await policy.reserve(request('spend', 900));
  assert.ok(decision.ok);
  assert.deepEqual(await policy.settle(decision.reservation, 900), { ok: true, status: 'settled' });
  for (let attempt = 0; attempt < 5; attempt++) await breakers.record('openai-primary', 'failure', Date.now());
};

const assertStillSpent = async ({ redis, policy }: Awaited<ReturnType<typeof generationState>>, when: string): Promise<void> => {
  assert.equal((await policy.remaining(request('-', 0))).counters[0]?.used, 900, `the spend is still counted ${when}`);
  const refused = await policy.reserve(request('after', 200));
  assert.ok(!refused.ok && refused.error.code === 'budget_exceeded', `the same tenant is refused again ${when}`);
  assert.equal(await redis.exists(breakerKey('openai-primary')), 1, `the breaker state is still there ${when}`);
};

test('a spent budget and an open breaker survive the state Redis being killed and brought back by infra up', async () => {
  const options = await ownRedis(['redis']);
  const url = `redis://127.0.0.1:${options.redisPort}`;
  const before = await generationState(url);
  await spendAndTrip(before);
  before.redis.disconnect();

  const [running] = await infraStatus(options);
  assert.ok(running?.pid);
  process.kill(running.pid, 'SIGKILL');
  for (let tries = 0; ; tries++) {
    const [status] = await infraStatus(options);
    if (!status?.healthy) break;
    assert.ok(tries < 100, 'redis died after SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const [restarted] = await infraUp(options);
  assert.ok(restarted?.healthy && restarted.pid !== running.pid, 'infra up started a new redis-server');

  const after = await generationState(url);
  try {
    await assertStillSpent(after, 'after the restart');
  } finally {
    after.redis.disconnect();
  }
});

test('filling the cache Redis past its memory bound evicts embeddings only: budgets and breaker state are untouched', async () => {
  const options = await ownRedis(['redis', 'redis-cache'], { redisCacheMaxMemoryMb: 4 });
  const state = await generationState(`redis://127.0.0.1:${options.redisPort}`);
  const cacheUrl = `redis://127.0.0.1:${options.redisCachePort}`;
  const inspect = new Redis(cacheUrl);
  const cache = await createRedisEmbeddingCache({ url: cacheUrl, ttlMs: 60 * 60 * 1000, onError: (error) => assert.fail(error) });
  try {
    await spendAndTrip(state);
    assert.deepEqual(await state.redis.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    assert.deepEqual(await state.redis.config('GET', 'appendonly'), ['appendonly', 'yes']);

    // 12,000 embeddings of 384 floats (~18 MB) into a 4 MB cache, as the embedding worker writes them.
    const vector = Float32Array.from({ length: 384 }, (_, index) => Math.sin(index));
    for (let batch = 0; batch < 60; batch++) {
      await cache.setMany(Array.from({ length: 200 }, (_, index) => ({ key: `embedding:test:${batch}:${index}`, vector })));
    }
    const stats = await inspect.info('stats');
    const evicted = Number(/evicted_keys:(\d+)/.exec(stats)?.[1]);
    assert.ok(evicted > 1000, `the cache evicted (${evicted} keys)`);
    await assertStillSpent(state, 'after the cache was filled');
  } finally {
    await cache.close();
    inspect.disconnect();
    state.redis.disconnect();
  }
});

// The Redis BreakerStore against the real Redis that infra/ starts: the BreakerStore rules,
// atomicity across connections (two generation instances), expiry of every key.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createModelRouter, parseRouterConfig, ProviderError, type ChatModel, type ChatStreamEvent } from '@rivulet/llm';
import { breakerIndexKey, breakerKey, createRedisBreakerStore } from '../src/redis-breaker-store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const settings = { windowMs: 10_000, minRequests: 4, failureRatio: 0.5, cooldownMs: 5_000 };
const start = 1_700_000_000_000;
const connections: Redis[] = [];
const prefixes: string[] = [];

const connect = async (): Promise<Redis> => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, commandTimeout: 1_000, maxRetriesPerRequest: 1 });
  await redis.connect();
  connections.push(redis);
  return redis;
};
/** A fresh key prefix per test, removed afterwards. */
const freshPrefix = (): string => {
  const prefix = `test:breaker:${randomUUID()}:`;
  prefixes.push(prefix);
  return prefix;
};

let redis: Redis;
before(async () => {
  redis = await connect();
});
after(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  for (const connection of connections) connection.disconnect();
});

test('closed until the threshold, then open for cooldownMs with counts reset; late outcomes ignored; every key expires', async () => {
  const prefix = freshPrefix();
  const store = createRedisBreakerStore({ redis, prefix, settings });
  assert.deepEqual(await store.state('a', start), { state: 'closed', failures: 0, requests: 0 });
  await store.record('a', 'failure', start);
  await store.record('a', 'failure', start + 1);
  assert.deepEqual(await store.record('a', 'success', start + 2), { state: 'closed', failures: 2, requests: 3 });
  assert.deepEqual(await store.record('a', 'failure', start + 3), { state: 'open', openedUntil: start + 5_003, failures: 0, requests: 0 });
  assert.deepEqual(await store.record('a', 'success', start + 4), { state: 'open', openedUntil: start + 5_003, failures: 0, requests: 0 });
  assert.equal(await store.tryAcquireProbe('a', start + 4), false);
  const keys = await redis.keys(`${prefix}*`);
  assert.deepEqual(keys.sort(), [breakerKey('a', prefix), breakerIndexKey(prefix)].sort());
  for (const key of keys) {
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 0 && ttl <= settings.windowMs + 2 * settings.cooldownMs, `${key} expires in ${ttl} ms`);
  }
});

test('the window rolls: outcomes older than windowMs stop counting and are removed on the next write', async () => {
  const prefix = freshPrefix();
  const store = createRedisBreakerStore({ redis, prefix, settings });
  for (let index = 0; index < 3; index += 1) await store.record('a', 'failure', start + index);
  assert.deepEqual(await store.state('a', start + 9_000), { state: 'closed', failures: 3, requests: 3 });
  assert.deepEqual(await store.record('a', 'failure', start + 11_000), { state: 'closed', failures: 1, requests: 1 });
  assert.equal(Object.keys(await redis.hgetall(breakerKey('a', prefix))).length, 2, 'only the current bucket\'s r: and f: fields');
});

test('half-open: of many concurrent callers on two connections exactly one gets the probe; success closes, failure reopens', async () => {
  const prefix = freshPrefix();
  const one = createRedisBreakerStore({ redis, prefix, settings: { ...settings, minRequests: 1 } });
  const two = createRedisBreakerStore({ redis: await connect(), prefix, settings: { ...settings, minRequests: 1 } });
  await one.record('a', 'failure', start);
  const later = start + settings.cooldownMs;
  assert.equal((await two.state('a', later)).state, 'half_open');
  const grants = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? one : two).tryAcquireProbe('a', later)));
  assert.equal(grants.filter(Boolean).length, 1);
  assert.equal(await one.tryAcquireProbe('a', later + settings.cooldownMs), true, 'the lease runs out');
  assert.deepEqual(await two.record('a', 'failure', later + 1), { state: 'open', openedUntil: later + 1 + settings.cooldownMs, failures: 0, requests: 0 });
  assert.equal((await one.record('a', 'success', later + 1 + settings.cooldownMs)).state, 'closed');
  assert.deepEqual(await two.state('a', later + 1 + settings.cooldownMs), { state: 'closed', failures: 0, requests: 0 });
});

test('concurrent records from two connections are all counted, and the breaker opens once', async () => {
  const prefix = freshPrefix();
  const wide = { ...settings, minRequests: 60, failureRatio: 1 };
  const stores = [createRedisBreakerStore({ redis, prefix, settings: wide }), createRedisBreakerStore({ redis: await connect(), prefix, settings: wide })];
  const states = await Promise.all(Array.from({ length: 59 }, (_, index) => stores[index % 2]!.record('a', 'failure', start + index)));
  assert.deepEqual(states.map((state) => state.requests).sort((left, right) => left - right), Array.from({ length: 59 }, (_, index) => index + 1));
  // The 60th opens it; the other lands on the open breaker and is ignored: both see the same openedUntil.
  const opened = await Promise.all([stores[0]!.record('a', 'failure', start + 100), stores[1]!.record('a', 'failure', start + 101)]);
  assert.deepEqual(opened.map((state) => state.state), ['open', 'open']);
  assert.equal(opened[0].openedUntil, opened[1].openedUntil);
  assert.ok([start + 100, start + 101].map((now) => now + settings.cooldownMs).includes(opened[0].openedUntil!));
});

test('forceClose and list', async () => {
  const prefix = freshPrefix();
  const store = createRedisBreakerStore({ redis, prefix, settings: { ...settings, minRequests: 1 } });
  await store.record('b', 'success', start);
  await store.record('a', 'failure', start);
  assert.deepEqual((await store.list(start)).map(({ deployment, state }) => [deployment, state]), [['a', 'open'], ['b', 'closed']]);
  await store.forceClose('a');
  assert.deepEqual(await store.state('a', start), { state: 'closed', failures: 0, requests: 0 });
});

test('two routers (two instances) sharing the store: failures seen by one open the breaker for the other', async () => {
  const prefix = freshPrefix();
  const deployment = (name: string) => ({ name, provider: 'openai-compatible', model: name, baseUrl: 'http://127.0.0.1:9/v1' });
  const config = parseRouterConfig({ defaultModel: 'chat', models: { chat: { deployments: [{ ...deployment('primary'), priority: 0 }, { ...deployment('fallback'), priority: 1 }] } }, breaker: { ...settings, minRequests: 2 } }, { env: {} });
  const calls: string[] = [];
  const model = (name: string): ChatModel => ({
    provider: 'openai-compatible', model: name, contextTokens: 1000, countTokens: (text) => text.length, close: () => Promise.resolve(),
    stream: async function* (): AsyncGenerator<ChatStreamEvent> {
      calls.push(name);
      await Promise.resolve();
      if (name === 'primary') throw new ProviderError({ provider: 'openai-compatible', code: 'provider_unavailable', message: 'HTTP 503', retryable: true, status: 503 });
      yield { type: 'delta', text: 'ok' };
      yield { type: 'end', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
    },
  });
  const routerOn = async () => createModelRouter({ config, createModel: (item) => model(item.name), breakers: createRedisBreakerStore({ redis: await connect(), prefix, settings: config.breaker }) });
  const [first, second] = [await routerOn(), await routerOn()];
  const read = async (router: typeof first) => {
    const events: ChatStreamEvent['type'][] = [];
    for await (const event of router.stream({ messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal })) if (event.type !== 'failover') events.push(event.type);
    return events;
  };
  await read(first);
  await read(first);
  calls.length = 0;
  assert.deepEqual(await read(second), ['delta', 'end']);
  assert.deepEqual(calls, ['fallback'], 'the second instance skips the deployment the first one saw fail');
});

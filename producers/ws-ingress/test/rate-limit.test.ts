import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createMetrics } from '@rivulet/observability';
import {
  createRateLimiter, createRateLimiterRedis, gcraStep, localRateLimitStore, rateLimitKey, RateLimitedError, redisRateLimitStore,
} from '../src/limits/index.js';
import { uniqueName } from '@rivulet/testing';
import { createIngressHarness, type IngressHarness } from './support/harness.js';
import { openSocket, type ServerFrame } from './support/socket.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `${uniqueName('rate-test')}:`;
let redis: Redis;

before(async () => {
  redis = createRateLimiterRedis(REDIS_URL);
  await redis.connect();
});

after(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const principal = (ratePerMinute?: number | null) => ({ keyId: uniqueName('key'), tenantId: 'tenant', ...(ratePerMinute === undefined ? {} : { ratePerMinute }) });

/** A loopback port nothing listens on. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

test('GCRA: a full burst of `limit`, then one request per period/limit', () => {
  let tat: number | undefined;
  for (let index = 0; index < 4; index += 1) {
    const step = gcraStep(tat, 1000, 4, 60_000);
    assert.equal(step.decision.allowed, true);
    assert.equal(step.decision.remaining, 3 - index);
    tat = step.tat;
  }
  const refused = gcraStep(tat, 1000, 4, 60_000);
  assert.deepEqual(refused.decision, { allowed: false, retryAfterMs: 15_000, remaining: 0 });
  assert.equal(gcraStep(tat, 1000 + 15_000, 4, 60_000).decision.allowed, true);
});

test('Redis store: N allowed, then refused with a sensible retryAfterMs; the window slides; the key always has a TTL', async () => {
  const store = redisRateLimitStore({ redis, prefix });
  const keyId = uniqueName('key');
  const periodMs = 1000;
  for (let index = 0; index < 5; index += 1) {
    const decision = await store.take(keyId, 5, periodMs);
    assert.equal(decision.allowed, true, `request ${index + 1} of 5`);
    assert.equal(decision.remaining, 4 - index);
  }
  const refused = await store.take(keyId, 5, periodMs);
  assert.equal(refused.allowed, false);
  assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 200, `retryAfterMs ${refused.retryAfterMs} within one interval (200 ms)`);
  const ttl = await redis.pttl(rateLimitKey(keyId, prefix));
  assert.ok(ttl > 0 && ttl <= periodMs, `PTTL ${ttl} is set and at most the period`);

  await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 20));
  assert.equal((await store.take(keyId, 5, periodMs)).allowed, true, 'one slot came back after retryAfterMs');
  assert.equal((await store.take(keyId, 5, periodMs)).allowed, false, 'and only one');
  assert.ok(await redis.pttl(rateLimitKey(keyId, prefix)) > 0);

  await new Promise((resolve) => setTimeout(resolve, periodMs + 50));
  assert.equal(await redis.exists(rateLimitKey(keyId, prefix)), 0, 'the key expired by itself');
});

test('Redis store: 200 concurrent attempts at a limit of 50 admit exactly 50', async () => {
  const store = redisRateLimitStore({ redis, prefix });
  const keyId = uniqueName('key');
  const decisions = await Promise.all(Array.from({ length: 200 }, () => store.take(keyId, 50, 60_000)));
  assert.equal(decisions.filter(({ allowed }) => allowed).length, 50);
  assert.ok(decisions.filter(({ allowed }) => !allowed).every(({ retryAfterMs }) => retryAfterMs > 0 && retryAfterMs <= 1200));
  assert.ok(await redis.pttl(rateLimitKey(keyId, prefix)) > 0);
});

test('limiter: the key\'s own rate_per_minute wins over the default; 0 is unlimited; RateLimitedError carries retryAfterMs', async () => {
  const limiter = createRateLimiter({ store: localRateLimitStore(), defaultPerMinute: 5 });
  const own = principal(2);
  await limiter.admit(own, 'http');
  await limiter.admit(own, 'http');
  await assert.rejects(limiter.admit(own, 'http'), (error: unknown) => {
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.retriable, true);
    assert.equal(error.httpStatus, 429);
    assert.ok(error.retryAfterMs > 0 && error.retryAfterMs <= 30_000);
    return true;
  });
  const byDefault = principal(null);
  for (let index = 0; index < 5; index += 1) await limiter.admit(byDefault, 'websocket');
  await assert.rejects(limiter.admit(byDefault, 'websocket'), RateLimitedError);
  const unlimited = createRateLimiter({ store: localRateLimitStore(), defaultPerMinute: 0 });
  const anyone = principal();
  for (let index = 0; index < 1000; index += 1) await unlimited.admit(anyone, 'http');
});

test('Redis unreachable: answers within ~300 ms from the local limiter, logs once, and reports the fallback metric', async () => {
  const down = createRateLimiterRedis(`redis://127.0.0.1:${await closedPort()}`);
  await down.connect().catch(() => undefined);
  const metrics = createMetrics();
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, message: string) => warnings.push(message), info: () => undefined } as never;
  const limiter = createRateLimiter({ store: redisRateLimitStore({ redis: down, prefix }), defaultPerMinute: 3, metrics, logger });
  try {
    const who = principal();
    for (let index = 0; index < 4; index += 1) {
      const started = performance.now();
      const attempt = limiter.admit(who, 'http');
      if (index < 3) await attempt;
      else await assert.rejects(attempt, RateLimitedError);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 300, `attempt ${index + 1} answered in ${elapsed.toFixed(0)} ms`);
    }
    assert.equal(limiter.isFallingBack(), true);
    assert.equal(warnings.length, 1, 'logged once');
    const text = await metrics.render();
    assert.match(text, /^rivulet_rate_limit_fallback 1$/m);
    assert.match(text, /^rivulet_rate_limited_total\{surface="http"\} 1$/m);

    const deny = createRateLimiter({ store: redisRateLimitStore({ redis: down, prefix }), defaultPerMinute: 3, redisDownPolicy: 'deny' });
    await assert.rejects(deny.admit(principal(), 'websocket'), (error: unknown) => error instanceof RateLimitedError && error.retryAfterMs === 1000);
  } finally {
    down.disconnect();
  }
});

test('Redis that hangs: a command times out within ~300 ms and the local limit applies', async () => {
  // A server that accepts connections and never answers.
  const silent = createServer((socket) => socket.on('data', () => undefined));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const hung = createRateLimiterRedis(`redis://127.0.0.1:${(silent.address() as AddressInfo).port}`);
  const limiter = createRateLimiter({ store: redisRateLimitStore({ redis: hung, prefix }), defaultPerMinute: 1 });
  try {
    await hung.connect().catch(() => undefined);
    const who = principal();
    const started = performance.now();
    await limiter.admit(who, 'http');
    assert.ok(performance.now() - started < 300, `answered in ${(performance.now() - started).toFixed(0)} ms`);
    await assert.rejects(limiter.admit(who, 'http'), RateLimitedError);
    assert.equal(limiter.isFallingBack(), true);
  } finally {
    hung.disconnect();
    silent.close();
  }
});

test('ingress: the 4th counted request gets HTTP 429 + Retry-After and a WebSocket rate_limited frame; another key is unaffected', async (context) => {
  const harness: IngressHarness = await createIngressHarness({ RATE_LIMIT_PER_MINUTE: '3' });
  context.after(() => harness.close());
  const collection = harness.collection();
  const post = (key: string, id: string) => harness.request('/v1/documents', {
    key, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, collection, text: `rate limit ${id}` }),
  });

  for (let index = 1; index <= 3; index += 1) assert.equal((await post(harness.keys.a, `http-${index}`)).status, 202);
  const refused = await post(harness.keys.a, 'http-4');
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 20, `Retry-After ${retryAfter}`);
  const body = await refused.json() as { error: { code: string; retryable: boolean } };
  assert.equal(body.error.code, 'rate_limited');
  assert.equal(body.error.retryable, true);
  // GETs are not counted.
  assert.equal((await harness.request(`/v1/documents/http-1?collection=${collection}`, { key: harness.keys.a })).status, 200);

  // Key b has its own count: its first three frames pass, the fourth is refused.
  const socket = await openSocket(harness.wsUrl, { authorization: `Bearer ${harness.keys.b}` });
  context.after(() => socket.close());
  await socket.next((frame) => frame.type === 'ready');
  const ingest = (id: string) => socket.send({ type: 'ingest', id, collection, document: { id, text: `rate limit ${id}` } });
  for (let index = 1; index <= 3; index += 1) {
    ingest(`ws-${index}`);
    socket.send({ type: 'ping' });
    const answer = await socket.next((frame) => frame.id === `ws-${index}`);
    assert.deepEqual({ type: answer.type, status: answer.status }, { type: 'ingest_status', status: 'accepted' });
  }
  ingest('ws-4');
  const error: ServerFrame = await socket.next((frame) => frame.id === 'ws-4');
  assert.equal(error.type, 'error');
  assert.equal(error.code, 'rate_limited');
  assert.equal(error.retryable, true);
  assert.ok(typeof error.retryAfterMs === 'number' && error.retryAfterMs > 0 && error.retryAfterMs <= 20_000, `retryAfterMs ${String(error.retryAfterMs)}`);
  assert.equal((await socket.next((frame) => frame.type === 'pong')).type, 'pong', 'pings are not counted');

  const metrics = await (await fetch(`${harness.url}/metrics`)).text();
  assert.match(metrics, /^rivulet_rate_limited_total\{surface="http"\} 1$/m);
  assert.match(metrics, /^rivulet_rate_limited_total\{surface="websocket"\} 1$/m);
  assert.match(metrics, /^rivulet_rate_limit_fallback 0$/m);
});

test('a duplicate chat id refused by the rate limit still gets a connection-level error without id: the first chat keeps one terminal frame', async (context) => {
  const harness: IngressHarness = await createIngressHarness({ RATE_LIMIT_PER_MINUTE: '1' });
  context.after(() => harness.close());
  const socket = await openSocket(harness.wsUrl, { authorization: `Bearer ${harness.keys.a}` });
  context.after(() => socket.close());
  await socket.next((frame) => frame.type === 'ready');
  const all: ServerFrame[] = [];
  socket.socket.on('message', (data: Buffer) => all.push(JSON.parse(data.toString('utf8')) as ServerFrame));
  socket.send({ type: 'chat', id: 'first', message: 'What is Rivulet?', rag: false });
  await socket.next((frame) => frame.type === 'ack' && frame.id === 'first');
  socket.send({ type: 'chat', id: 'first', message: 'Again, over the limit', rag: false });
  const duplicate = await socket.next((frame) => frame.type === 'error' && frame.id === undefined);
  assert.equal(duplicate.code, 'invalid_request', `the duplicate is refused as a duplicate, before the rate limit: ${JSON.stringify(duplicate)}`);
  socket.send({ type: 'cancel', id: 'first' });
  await socket.next((frame) => frame.id === 'first' && (frame.type === 'done' || frame.type === 'error'), 15_000);
  socket.send({ type: 'ping' });
  await socket.next((frame) => frame.type === 'pong');
  const terminals = all.filter((frame) => frame.id === 'first' && (frame.type === 'done' || frame.type === 'error'));
  assert.deepEqual(terminals.map((frame) => frame.code), ['cancelled'], `one terminal frame for "first": ${JSON.stringify(terminals)}`);
});

// The rate limiter on real ingresses under load and through a Redis outage (gateway issue
// acceptance: "100 requests/s on one key" and "Redis killed mid-test"). rate-limit.test.ts proves
// the algorithm, the script and the fallback on their own; this file proves them end to end.
//
// The counted request is `POST /v1/embeddings` with an empty input: the limiter runs after
// authentication and before the body is read (decision 0010), so an admitted request answers 400
// `invalid_request` and a refused one 429 `rate_limited`, without Kafka or the embedding model,
// which keeps the measured latency that of the ingress and its limiter alone.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { staticApiKeyStore } from '../src/auth.js';
import { rateLimitKey, redisRateLimitStore } from '../src/limits/index.js';
import { waitFor } from '@rivulet/testing';
import { createIngressHarness, type IngressHarness } from './support/harness.js';
import { openSocket } from './support/socket.js';

interface Answer {
  status: number;
  retryAfter: string | null;
  error: { code?: string; retryable?: boolean; message?: string } | undefined;
  ms: number;
}

/** One counted request, timed from send to the last byte of the answer. */
const counted = async (harness: IngressHarness, key: string): Promise<Answer> => {
  const started = performance.now();
  const response = await harness.request('/v1/embeddings', {
    key, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":[]}', signal: AbortSignal.timeout(5_000),
  });
  const body = await response.json() as { error?: Answer['error'] };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), error: body.error, ms: performance.now() - started };
};

/** Calls `send` `count` times, one every `intervalMs`, without waiting for answers (open loop). */
const paced = async <T>(count: number, intervalMs: number, send: () => Promise<T>): Promise<T[]> => {
  const started = performance.now();
  const pending: Promise<T>[] = [];
  for (let index = 0; index < count; index += 1) {
    const wait = started + index * intervalMs - performance.now();
    if (wait > 0) await delay(wait);
    pending.push(send());
  }
  return Promise.all(pending);
};

/** Nearest-rank percentile. */
const percentile = (values: number[], fraction: number): number => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
};

const metricValue = async (harness: IngressHarness, series: string): Promise<number | undefined> => {
  const text = await (await fetch(`${harness.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

/** A 429 `rate_limited` whose Retry-After is whole seconds, at least 1 and at most `maxSeconds`. */
const assertRefused = (answer: Answer, what: string, maxSeconds = 1): void => {
  assert.equal(answer.status, 429, `${what}: status`);
  const seconds = Number(answer.retryAfter);
  assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= maxSeconds, `${what}: Retry-After ${answer.retryAfter} within 1..${maxSeconds}`);
  assert.equal(answer.error?.code, 'rate_limited', `${what}: error code`);
  assert.equal(answer.error?.retryable, true, `${what}: retryable`);
};

const assertAdmitted = (answer: Answer, what: string): void => {
  assert.equal(answer.status, 400, `${what}: admitted by the limiter, then refused for its empty input`);
  assert.equal(answer.error?.code, 'invalid_request', what);
};

const keyIdOf = async (key: string): Promise<string> => {
  const principal = await staticApiKeyStore([{ tenantId: 'any', key }]).lookup(key);
  assert.ok(principal);
  return principal.keyId;
};

test('100 requests/s on one key: held to burst + rate; every refusal a proper 429; another key is never refused and keeps its latency', async (context) => {
  const limit = 60;
  const harness = await createIngressHarness({ RATE_LIMIT_PER_MINUTE: String(limit) });
  context.after(() => harness.close());
  const { a, b } = harness.keys;

  // Key b: a few warm-up requests, then 5 requests/s alone, then 5 requests/s during key a's
  // flood; 3 + 20 + 20 requests stay within b's burst of 60.
  for (let index = 0; index < 3; index += 1) assertAdmitted(await counted(harness, b), 'warm-up');
  const alone = await paced(20, 200, () => counted(harness, b));

  const floodMs = 4_000;
  const floodStarted = performance.now();
  const [flood, during] = await Promise.all([
    paced(floodMs / 10, 10, () => counted(harness, a)),
    paced(20, 200, () => counted(harness, b)),
  ]);
  const floodSeconds = (performance.now() - floodStarted) / 1000;

  const admitted = flood.filter(({ status }) => status === 400);
  const refused = flood.filter(({ status }) => status !== 400);
  refused.forEach((answer, index) => assertRefused(answer, `refusal ${index + 1}`));
  admitted.forEach((answer, index) => assertAdmitted(answer, `admitted ${index + 1}`));
  // GCRA: the whole limit at once, then one request every 60 s / limit (here 1 s).
  const sendSeconds = (floodMs - 10) / 1000;
  const [least, most] = [limit + Math.floor(sendSeconds * limit / 60) - 1, limit + Math.ceil(floodSeconds * limit / 60) + 1];
  assert.ok(admitted.length >= least && admitted.length <= most, `key a: ${admitted.length} of ${flood.length} admitted in ${floodSeconds.toFixed(2)} s; allowed ${least}..${most}`);
  assert.equal(await metricValue(harness, 'rivulet_rate_limited_total{surface="http"}'), refused.length, 'every refusal counted, none of key b');

  [...alone, ...during].forEach((answer, index) => assertAdmitted(answer, `key b request ${index + 1}`));
  const [aloneP95, duringP95] = [percentile(alone.map(({ ms }) => ms), 0.95), percentile(during.map(({ ms }) => ms), 0.95)];
  const bound = Math.max(3 * aloneP95, aloneP95 + 50);
  context.diagnostic(`key a: ${admitted.length} admitted, ${refused.length} refused of ${flood.length} in ${floodSeconds.toFixed(2)} s; `
    + `key b p95 ${aloneP95.toFixed(1)} ms alone, ${duringP95.toFixed(1)} ms during the flood (p50 ${percentile(alone.map(({ ms }) => ms), 0.5).toFixed(1)} / ${percentile(during.map(({ ms }) => ms), 0.5).toFixed(1)} ms); bound ${bound.toFixed(1)} ms`);
  assert.ok(duringP95 <= bound, `key b p95 ${duringP95.toFixed(1)} ms during the flood, ${aloneP95.toFixed(1)} ms alone (bound ${bound.toFixed(1)} ms)`);
});

// --- Redis killed mid-test ---------------------------------------------------------------------

/** A loopback port nothing listens on. */
const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

let privateRedis: ChildProcess | undefined;

/** A throwaway redis-server on `port`, without persistence; resolves once it accepts connections. */
const startRedis = async (port: number): Promise<ChildProcess> => {
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  privateRedis = child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 5 s: ${output}`)), 5_000);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
};

const killRedis = async (): Promise<void> => {
  const child = privateRedis;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
};

after(killRedis);

test('Redis killed mid-test: allow-local keeps answering at the per-instance limit, deny refuses at once, both return to Redis when it is back', async (context) => {
  const limit = 10;
  const port = await freePort();
  await startRedis(port);
  const redisUrl = `redis://127.0.0.1:${port}`;
  // Both ingresses use the private Redis for everything (limits, reply lease, revocations): it is
  // theirs alone, so killing it touches no other test.
  const [local, deny] = await Promise.all([
    createIngressHarness({ REDIS_URL: redisUrl, RATE_LIMIT_PER_MINUTE: String(limit) }),
    createIngressHarness({ REDIS_URL: redisUrl, RATE_LIMIT_PER_MINUTE: String(limit), RATE_LIMIT_REDIS_DOWN: 'deny' }),
  ]);
  context.after(async () => {
    await Promise.allSettled([local.close(), deny.close()]);
  });
  const direct = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  direct.on('error', () => undefined);
  context.after(() => direct.disconnect());

  // Phase 1, Redis up: counted in Redis.
  for (let index = 1; index <= limit; index += 1) assertAdmitted(await counted(local, local.keys.a), `phase 1 request ${index}`);
  assertRefused(await counted(local, local.keys.a), 'phase 1 over the limit', 60 / limit);
  assert.ok(await direct.pttl(rateLimitKey(await keyIdOf(local.keys.a))) > 0, 'the count is in the private Redis, with a TTL');
  assertAdmitted(await counted(deny, deny.keys.a), 'deny policy, Redis up');
  assert.equal(await metricValue(local, 'rivulet_rate_limit_fallback'), 0);

  await killRedis();
  const killedAt = performance.now();

  // Phase 2, allow-local: key b's first `limit` requests pass on this instance's own count, the
  // rest are refused, and no answer waits on the dead Redis. Spread over ~2 s, so the limiter's
  // retries of Redis (one a second) happen while it is still down.
  const outage = [];
  for (let index = 0; index < limit + 5; index += 1) {
    outage.push(await counted(local, local.keys.b));
    await delay(150);
  }
  outage.forEach((answer, index) => assert.ok(answer.ms < 1_000, `allow-local request ${index + 1} answered in ${answer.ms.toFixed(0)} ms`));
  outage.slice(0, limit).forEach((answer, index) => assertAdmitted(answer, `allow-local request ${index + 1}`));
  outage.slice(limit).forEach((answer, index) => assertRefused(answer, `allow-local request ${limit + index + 1}`, 60 / limit));
  assert.equal(await metricValue(local, 'rivulet_rate_limit_fallback'), 1);

  // Phase 2, deny: every counted request refused at once, on HTTP and on the WebSocket.
  const denied = [];
  for (let index = 0; index < 3; index += 1) denied.push(await counted(deny, deny.keys.b));
  denied.forEach((answer, index) => {
    assertRefused(answer, `deny request ${index + 1}`);
    assert.ok(answer.ms < 1_000, `deny request ${index + 1} answered in ${answer.ms.toFixed(0)} ms`);
  });
  const socket = await openSocket(deny.wsUrl, { authorization: `Bearer ${deny.keys.b}` });
  context.after(() => socket.close());
  await socket.next((frame) => frame.type === 'ready', 2_000);
  const frameSent = performance.now();
  socket.send({ type: 'ingest', id: 'outage-1', collection: deny.collection(), document: { id: 'outage-1', text: 'refused while Redis is down' } });
  const frame = await socket.next((candidate) => candidate.id === 'outage-1', 1_000);
  const frameMs = performance.now() - frameSent;
  assert.deepEqual({ type: frame.type, code: frame.code, retryAfterMs: frame.retryAfterMs }, { type: 'error', code: 'rate_limited', retryAfterMs: 1000 });
  assert.equal(await metricValue(deny, 'rivulet_rate_limit_fallback'), 1);

  // Nothing else hangs on the dead Redis either: readiness answers within its 2 s timeout.
  const readyStarted = performance.now();
  const ready = await fetch(`${local.url}/ready`, { signal: AbortSignal.timeout(5_000) });
  const readyMs = performance.now() - readyStarted;
  assert.equal(ready.status, 503);
  assert.match(((await ready.json()) as { checks: Record<string, string> }).checks.redis ?? '', /^down/);
  const outageMs = performance.now() - killedAt;

  // Phase 3: Redis back on the same port, empty. Both limiters return to it by themselves.
  await startRedis(port);
  const restartedAt = performance.now();
  const [localBackMs, denyBackMs] = await Promise.all([
    waitFor(async () => {
      await counted(local, local.keys.b);
      return (await metricValue(local, 'rivulet_rate_limit_fallback')) === 0 ? performance.now() - restartedAt : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200, description: 'the allow-local limiter to count in Redis again' }),
    waitFor(async () => ((await counted(deny, deny.keys.b)).status === 400 ? performance.now() - restartedAt : undefined),
      { timeoutMs: 10_000, intervalMs: 200, description: 'the deny limiter to admit again' }),
  ]);
  assert.equal(await metricValue(deny, 'rivulet_rate_limit_fallback'), 0);

  // The count is shared again: another instance (this test, through the same script) uses up key
  // a's allowance in the restarted Redis, and both ingresses refuse key a at once.
  const store = redisRateLimitStore({ redis: direct });
  await waitFor(() => direct.status === 'ready', { timeoutMs: 5_000, description: 'the test\'s Redis client to reconnect' });
  for (const harness of [local, deny]) {
    const keyId = await keyIdOf(harness.keys.a);
    await direct.del(rateLimitKey(keyId));
    for (let index = 0; index < limit; index += 1) assert.equal((await store.take(keyId, limit, 60_000)).allowed, true);
    assertRefused(await counted(harness, harness.keys.a), 'the allowance used up by another instance', 60 / limit);
  }

  context.diagnostic(`outage ${outageMs.toFixed(0)} ms: allow-local answers max ${Math.max(...outage.map(({ ms }) => ms)).toFixed(1)} ms `
    + `(first ${outage[0]?.ms.toFixed(1)} ms), deny answers max ${Math.max(...denied.map(({ ms }) => ms)).toFixed(1)} ms, WebSocket refusal ${frameMs.toFixed(1)} ms, `
    + `/ready 503 in ${readyMs.toFixed(0)} ms; back on Redis ${localBackMs.toFixed(0)} ms (allow-local) and ${denyBackMs.toFixed(0)} ms (deny) after the restart`);
});

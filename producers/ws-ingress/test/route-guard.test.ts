// The route guard every authenticated HTTP route goes through: the key, then the path's
// parameters, then the rate limit counted in the real Redis; answered by the ingress's error path.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { staticApiKeyStore } from '../src/auth.js';
import { toIngressError } from '../src/errors.js';
import { sendError, sendJson } from '../src/http/http-io.js';
import { createRouteGuard, decodedPathParameter, type RouteHandler } from '../src/http/route-guard.js';
import { createRateLimiter, createRateLimiterRedis, redisRateLimitStore } from '../src/limits/index.js';
import { uniqueName } from '@rivulet/testing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `${uniqueName('guard-test')}:`;
const RATE = 2;
let redis: Redis;
let server: Server;
let url: string;
const ran: string[] = [];
const keys = { a: uniqueName('key-a'), b: uniqueName('key-b'), c: uniqueName('key-c') };

/** /counted, /free and /things/{id}: each answers 200 with what the guard handed it. */
const routes = (): Record<string, RouteHandler> => {
  const guard = createRouteGuard({
    auth: staticApiKeyStore([{ tenantId: 'tenant-a', key: keys.a }, { tenantId: 'tenant-b', key: keys.b }, { tenantId: 'tenant-c', key: keys.c }]),
    rateLimiter: createRateLimiter({ store: redisRateLimitStore({ redis, prefix }), defaultPerMinute: RATE }),
  });
  return {
    counted: guard({ counted: true }, ({ response, principal }) => {
      ran.push('counted');
      sendJson(response, 200, { tenant: principal.tenantId });
    }),
    free: guard({ counted: false }, ({ response, principal }) => {
      ran.push('free');
      sendJson(response, 200, { tenant: principal.tenantId });
    }),
    things: guard({ counted: true, parameters: (route) => decodedPathParameter(route, 'thing') }, ({ response, parameters }) => {
      ran.push('things');
      sendJson(response, 200, { id: parameters });
    }),
  };
};

before(async () => {
  redis = createRateLimiterRedis(REDIS_URL);
  await redis.connect();
  const handlers = routes();
  server = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://guard.invalid');
    const [, name = '', pathParameter] = target.pathname.split('/');
    const route = { request, response, url: target, requestId: uniqueName('request'), ...(pathParameter === undefined ? {} : { pathParameter }) };
    handlers[name]!(route).catch((error: unknown) => sendError(request, response, toIngressError(error, route.requestId)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const stored = await redis.keys(`${prefix}*`);
  if (stored.length > 0) await redis.del(...stored);
  redis.disconnect();
});

const call = (path: string, key?: string): Promise<Response> => fetch(`${url}${path}`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });
const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string; retryable: boolean; retryAfterMs?: number } }).error;

test('no key or an unknown key: 401 unauthorized with WWW-Authenticate: Bearer, and the route never runs', async () => {
  ran.length = 0;
  for (const [path, key] of [['/counted', undefined], ['/free', 'not-a-key'], ['/things/x', undefined]] as const) {
    const response = await call(path, key);
    assert.equal(response.status, 401, path);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer', path);
    assert.equal((await errorOf(response)).code, 'unauthorized', path);
  }
  assert.deepEqual(ran, []);
});

test('a counted route is refused past the key\'s rate with 429, Retry-After and a retryable rate_limited; an uncounted route is never counted', async () => {
  for (let index = 0; index < RATE + 1; index += 1) assert.equal((await call('/free', keys.a)).status, 200, `uncounted request ${index + 1}`);
  for (let index = 0; index < RATE; index += 1) {
    const admitted = await call('/counted', keys.a);
    assert.equal(admitted.status, 200, `counted request ${index + 1}`);
    assert.deepEqual(await admitted.json(), { tenant: 'tenant-a' });
  }
  const refused = await call('/counted', keys.a);
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);
  const error = await errorOf(refused);
  assert.equal(error.code, 'rate_limited');
  assert.equal(error.retryable, true);
  assert.ok(typeof error.retryAfterMs === 'number' && error.retryAfterMs > 0, `retryAfterMs ${String(error.retryAfterMs)}`);
  assert.equal((await call('/free', keys.a)).status, 200, 'an uncounted route still answers a key over its rate');
  assert.equal((await call('/counted', keys.b)).status, 200, 'another key has its own count');
});

test('the path\'s parameters are read after the key and before the count: a malformed one is a 400 that costs no request', async () => {
  assert.equal((await call('/things/%E0%A4%A')).status, 401, 'the key is checked first');
  for (let index = 0; index < RATE + 1; index += 1) {
    const malformed = await call('/things/%E0%A4%A', keys.c);
    assert.equal(malformed.status, 400);
    assert.deepEqual(await errorOf(malformed), { code: 'invalid_request', message: 'The thing id in the path is not valid percent-encoding.', retryable: false });
  }
  for (let index = 0; index < RATE; index += 1) {
    const admitted = await call('/things/a%20b', keys.c);
    assert.equal(admitted.status, 200, `request ${index + 1}: the malformed ones were not counted`);
    assert.deepEqual(await admitted.json(), { id: 'a b' });
  }
  assert.equal((await call('/things/a', keys.c)).status, 429);
});

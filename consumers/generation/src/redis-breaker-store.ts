// The router's circuit breakers in Redis, shared by every generation instance. Each operation is
// one Lua script (read, decide, write, expire), so concurrent instances never interleave inside
// one; every key is written with its expiry in the same script. The rules are the BreakerStore
// contract of @rivulet/llm (the in-memory store follows the same ones).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BREAKER_BUCKETS, checkBreakerSettings, type BreakerSettings, type BreakerState, type BreakerStore } from '@rivulet/llm';

// A deployment's hash: `openedUntil`, `probeUntil` (epoch ms) and counts per bucket of windowMs/10,
// `r:<bucket>` (requests) and `f:<bucket>` (failures). '%.0f': Lua would print large numbers in
// exponent notation. The reply is {state, openedUntil or '', failures, requests}.
const COMMON = `
local function fmt(number) return string.format('%.0f', number) end
local function window(key, now, windowMs)
  local current = math.floor(now / (windowMs / ${BREAKER_BUCKETS}))
  local fields = redis.call('HGETALL', key)
  local w = { requests = 0, failures = 0, stale = {}, current = current }
  for i = 1, #fields, 2 do
    local name, value = fields[i], tonumber(fields[i + 1])
    if name == 'openedUntil' then w.openedUntil = value
    elseif name == 'probeUntil' then w.probeUntil = value
    else
      local kind, bucket = string.match(name, '^([rf]):(%d+)$')
      if kind and tonumber(bucket) <= current - ${BREAKER_BUCKETS} then table.insert(w.stale, name)
      elseif kind == 'r' then w.requests = w.requests + value
      elseif kind == 'f' then w.failures = w.failures + value end
    end
  end
  w.state = 'closed'
  if w.openedUntil then
    if now < w.openedUntil then w.state = 'open' else w.state = 'half_open' end
  end
  return w
end
local function reply(w)
  return { w.state, w.openedUntil and fmt(w.openedUntil) or '', w.failures, w.requests }
end
local function keep(ttl)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ttl)
end
local function open(now, cooldownMs, ttl)
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'openedUntil', fmt(now + cooldownMs))
  keep(ttl)
  return { 'open', fmt(now + cooldownMs), 0, 0 }
end
`;

// KEYS: the deployment's hash, the index set. ARGV: deployment, outcome, now, windowMs, minRequests, failureRatio, cooldownMs, count.
const RECORD = `${COMMON}
local now, windowMs, minRequests, failureRatio, cooldownMs = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local count = tonumber(ARGV[8]) or 1
local ttl = math.floor(windowMs + 2 * cooldownMs)
local w = window(KEYS[1], now, windowMs)
if w.state == 'open' then return reply(w) end
if w.state == 'half_open' then
  if ARGV[2] == 'success' then
    redis.call('DEL', KEYS[1])
    return { 'closed', '', 0, 0 }
  end
  return open(now, cooldownMs, ttl)
end
if #w.stale > 0 then redis.call('HDEL', KEYS[1], unpack(w.stale)) end
local bucket = fmt(w.current)
redis.call('HINCRBY', KEYS[1], 'r:' .. bucket, count)
w.requests = w.requests + count
if ARGV[2] == 'failure' then
  redis.call('HINCRBY', KEYS[1], 'f:' .. bucket, count)
  w.failures = w.failures + count
end
if w.requests >= minRequests and w.failures / w.requests >= failureRatio then return open(now, cooldownMs, ttl) end
keep(ttl)
return reply(w)
`;

// KEYS: the deployment's hash. ARGV: now, windowMs. Reads only.
const STATE = `${COMMON}
return reply(window(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])))
`;

// KEYS: the deployment's hash, the index set. ARGV: deployment, now, windowMs, cooldownMs. Replies 1 (go) or 0.
const PROBE = `${COMMON}
local now, windowMs, cooldownMs = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local w = window(KEYS[1], now, windowMs)
if w.state == 'closed' then return 1 end
if w.state == 'open' or (w.probeUntil and now < w.probeUntil) then return 0 end
redis.call('HSET', KEYS[1], 'probeUntil', fmt(now + cooldownMs))
keep(math.floor(windowMs + 2 * cooldownMs))
return 1
`;

const scripts = { RECORD, STATE, PROBE };
const shas = Object.fromEntries(Object.entries(scripts).map(([name, script]) => [name, createHash('sha1').update(script).digest('hex')])) as Record<keyof typeof scripts, string>;

/** The Redis key of a deployment's breaker (for tests and operators). */
export const breakerKey = (deployment: string, prefix = ''): string => `${prefix}rivulet:breaker:${deployment}`;
/** The set of deployments with breaker state, for `list`. */
export const breakerIndexKey = (prefix = ''): string => `${prefix}rivulet:breakers`;

export interface RedisBreakerStoreOptions {
  /**
   * A connection that fails fast (`enableOfflineQueue: false`, a small `commandTimeout`): the
   * router treats a store error as "closed" and carries on, so a slow Redis must not hold requests.
   */
  redis: Redis;
  /** Prepended to every key (KAFKA_TOPIC_PREFIX), then `rivulet:breaker:<deployment>`. */
  prefix?: string;
  /** The router configuration's `breaker` section; every instance sharing the keys should use the same. */
  settings: BreakerSettings;
}

const toState = (reply: unknown): BreakerState => {
  if (!Array.isArray(reply) || reply.length !== 4) throw new TypeError('unexpected reply from a breaker script');
  const [state, openedUntil, failures, requests] = reply as [BreakerState['state'], string, number, number];
  return { state, ...(openedUntil === '' ? {} : { openedUntil: Number(openedUntil) }), failures: Number(failures), requests: Number(requests) };
};

/** A BreakerStore in Redis: breaker state shared by the generation instances; every key expires (windowMs + 2 cooldownMs after its last write). */
export const createRedisBreakerStore = ({ redis, prefix = '', settings }: RedisBreakerStoreOptions): BreakerStore => {
  const { windowMs, minRequests, failureRatio, cooldownMs } = checkBreakerSettings(settings);
  const index = breakerIndexKey(prefix);
  const run = async (name: keyof typeof scripts, keys: string[], args: (string | number)[]): Promise<unknown> => {
    try {
      return await redis.evalsha(shas[name], keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(scripts[name], keys.length, ...keys, ...args);
    }
  };
  const state = async (deployment: string, now: number) => toState(await run('STATE', [breakerKey(deployment, prefix)], [now, windowMs]));
  return {
    record: async (deployment, outcome, now, count = 1) =>
      toState(await run('RECORD', [breakerKey(deployment, prefix), index], [deployment, outcome, now, windowMs, minRequests, failureRatio, cooldownMs, count])),
    state,
    tryAcquireProbe: async (deployment, now) => (await run('PROBE', [breakerKey(deployment, prefix), index], [deployment, now, windowMs, cooldownMs])) === 1,
    forceClose: async (deployment) => {
      await redis.del(breakerKey(deployment, prefix));
    },
    list: async (now) => {
      const deployments = (await redis.smembers(index)).sort();
      return Promise.all(deployments.map(async (deployment) => ({ deployment, ...(await state(deployment, now)) })));
    },
  };
};

// GCRA in Redis, in one Lua script: read the TAT, decide, and write the new TAT *with its expiry in
// the same SET* (PX), so no key can ever exist without a TTL, whatever happens to this process.
// The clock is Redis's own (TIME), so instances with skewed clocks share one timeline.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateDecision, RateLimitStore } from './gcra.js';

// KEYS[1] the key's state; ARGV[1] limit (requests), ARGV[2] period (ms).
// Times are in microseconds, stored as integers ('%.0f': Lua's default number format would write
// large numbers in exponent notation and lose precision).
export const GCRA_SCRIPT = `
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2]) * 1000
local interval = period / limit
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local nextTat = tat + interval
local allowAt = nextTat - period
if now < allowAt then
  return {0, math.max(1, math.ceil((allowAt - now) / 1000)), 0}
end
local ttl = math.max(1, math.ceil((nextTat - now) / 1000))
redis.call('SET', KEYS[1], string.format('%.0f', math.ceil(nextTat)), 'PX', ttl)
return {1, 0, math.floor((period - (nextTat - now)) / interval + 1e-9)}
`;

const SCRIPT_SHA = createHash('sha1').update(GCRA_SCRIPT).digest('hex');

export interface RedisRateLimitStoreOptions {
  /**
   * A connection that fails fast: `enableOfflineQueue: false`, a small `commandTimeout` and
   * `maxRetriesPerRequest`, so a request never waits on an unreachable Redis.
   */
  redis: Redis;
  /** Prepended to every key (KAFKA_TOPIC_PREFIX), then `rivulet:ratelimit:<key id>`. */
  prefix?: string;
}

export const redisRateLimitStore = ({ redis, prefix = '' }: RedisRateLimitStoreOptions): RateLimitStore => {
  const run = async (key: string, limit: number, periodMs: number): Promise<unknown> => {
    try {
      return await redis.evalsha(SCRIPT_SHA, 1, key, limit, periodMs);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(GCRA_SCRIPT, 1, key, limit, periodMs);
    }
  };
  return {
    take: async (key, limit, periodMs): Promise<RateDecision> => {
      const reply = await run(rateLimitKey(key, prefix), limit, periodMs);
      if (!Array.isArray(reply) || reply.length !== 3) throw new TypeError('unexpected reply from the rate-limit script');
      const [allowed, retryAfterMs, remaining] = reply as [number, number, number];
      return { allowed: allowed === 1, retryAfterMs: Number(retryAfterMs), remaining: Number(remaining) };
    },
  };
};

/** The full Redis key of an API key's limit (for tests and operators). */
export const rateLimitKey = (keyId: string, prefix = ''): string => `${prefix}rivulet:ratelimit:${keyId}`;

// The ledger's Lua scripts: each runs atomically in Redis, so a check and the write it allows can
// never interleave with another process's. Counts are whole tokens written with '%.0f' (Lua's own
// number format switches to exponent notation for large values).
//
// Per counter and period (KEYS in threes): totals (hash: spent, held), holds (hash: reservation id
// -> tokens held) and expiries (zset: reservation id scored by the hold's expiry, ms). Every script
// first drops the holds whose expiry has passed (a worker that crashed before settling).
//
// One clock decides when a Redis key or hold lapses: Redis's own. Hold expiries are scored and
// purged on Redis's TIME, and every key lifetime is sent as a duration (PEXPIRE), never as an
// instant of the caller's clock, so a worker whose clock is off neither drops nor prolongs a count
// (which period a request counts in is chosen by the caller on a clock synced to Redis's: redis-clock.ts).
import { createHash } from 'node:crypto';

const COMMON = `
local function int(value) return string.format('%.0f', value) end
local function purge(totals, holds, expiries, now)
  local expired = redis.call('ZRANGEBYSCORE', expiries, '-inf', now, 'LIMIT', 0, 500)
  if #expired == 0 then return end
  local released = 0
  for _, id in ipairs(expired) do released = released + tonumber(redis.call('HGET', holds, id) or '0') end
  redis.call('HDEL', holds, unpack(expired))
  redis.call('ZREM', expiries, unpack(expired))
  if released > 0 then redis.call('HINCRBY', totals, 'held', int(-released)) end
end
local function clock()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function used(totals)
  local values = redis.call('HMGET', totals, 'spent', 'held')
  return tonumber(values[1] or '0'), tonumber(values[2] or '0')
end
`;

// KEYS[1] the reservation record, then the counters' keys.
// ARGV: id, tokens, hold ttl, record retention after the hold (ms), counters (JSON, stored for
// settle), then per counter: limit, key lifetime (ms from now).
// Returns {1} admitted, {2} already known (nothing changed), {0, counter index, used} refused.
export const RESERVE_SCRIPT = `${COMMON}
if redis.call('EXISTS', KEYS[1]) == 1 then return {2} end
local now = clock()
local tokens = tonumber(ARGV[2])
local count = (#KEYS - 1) / 3
for i = 1, count do
  local base = 1 + (i - 1) * 3
  purge(KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], now)
  local spent, held = used(KEYS[base + 1])
  if spent + held + tokens > tonumber(ARGV[4 + 2 * i]) then return {0, i, int(spent + held)} end
end
local holdUntil = now + tonumber(ARGV[3])
for i = 1, count do
  local base = 1 + (i - 1) * 3
  redis.call('HINCRBY', KEYS[base + 1], 'held', ARGV[2])
  redis.call('HSET', KEYS[base + 2], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[base + 3], int(holdUntil), ARGV[1])
  -- A count outlives the longest hold in it, whatever its period says.
  local lifetime = math.max(tonumber(ARGV[5 + 2 * i]), tonumber(ARGV[3]))
  for k = 1, 3 do redis.call('PEXPIRE', KEYS[base + k], int(lifetime)) end
end
redis.call('HSET', KEYS[1], 'state', 'held', 'tokens', ARGV[2], 'counters', ARGV[5])
redis.call('PEXPIRE', KEYS[1], int(tonumber(ARGV[3]) + tonumber(ARGV[4])))
return {1}
`;

// KEYS as for reserve. ARGV: id, tokens, record retention (ms), then per counter: key lifetime (ms from now).
// Returns {0} already settled (nothing changed), else {1, state}: 1 the hold was found and
// replaced, 2 the record was known but its holds had expired, 3 no record.
export const SETTLE_SCRIPT = `${COMMON}
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'settled' then return {0} end
local now = clock()
local found = false
local count = (#KEYS - 1) / 3
for i = 1, count do
  local base = 1 + (i - 1) * 3
  local totals, holds, expiries = KEYS[base + 1], KEYS[base + 2], KEYS[base + 3]
  purge(totals, holds, expiries, now)
  local held = redis.call('HGET', holds, ARGV[1])
  if held then
    found = true
    redis.call('HDEL', holds, ARGV[1])
    redis.call('ZREM', expiries, ARGV[1])
    redis.call('HINCRBY', totals, 'held', int(-tonumber(held)))
  end
  redis.call('HINCRBY', totals, 'spent', ARGV[2])
  -- Never shortens a count's life (a late settle after its period still keeps it a grace).
  -- A count created here (its keys had gone) always gets one: a settle long after its period
  -- (lifetime <= 0) keeps it a moment only, never forever.
  local lifetime = tonumber(ARGV[3 + i])
  local ttl = redis.call('PTTL', totals)
  if ttl < 0 or ttl < lifetime then redis.call('PEXPIRE', totals, int(math.max(lifetime, 1))) end
end
redis.call('HSET', KEYS[1], 'state', 'settled', 'tokens', ARGV[2])
redis.call('HDEL', KEYS[1], 'counters')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if not state then return {1, 3} end
if found then return {1, 1} end
return {1, 2}
`;

// KEYS: the counters' keys. Returns per counter {spent, held}.
export const STANDING_SCRIPT = `${COMMON}
local now = clock()
local result = {}
for i = 1, #KEYS / 3 do
  local base = (i - 1) * 3
  purge(KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], now)
  local spent, held = used(KEYS[base + 1])
  result[i] = {int(spent), int(held)}
end
return result
`;

export interface LedgerScript {
  source: string;
  sha: string;
}

const script = (source: string): LedgerScript => ({ source, sha: createHash('sha1').update(source).digest('hex') });

export const SCRIPTS = { reserve: script(RESERVE_SCRIPT), settle: script(SETTLE_SCRIPT), standing: script(STANDING_SCRIPT) };

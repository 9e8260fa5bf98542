// The Redis ledger on a real Redis: reserve-then-settle, idempotency, expiry, periods, all-or-nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@rivulet/testing';
import { BudgetError, counterKeys, createBudgetRedis, createRedisBudgetLedger, reservationKey, type BudgetCounter } from '../src/budget/index.js';
import { closedPort, counter, keysUnder, uniquePrefix, useBudgetRedis } from './support/budget-redis.js';

const { redis, prefixes } = useBudgetRedis();

/** A ledger on a prefix of its own, with a clock the test may move. */
const ledgerWithClock = (start = Date.now()) => {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const clock = { now: start };
  return { prefix, clock, ledger: createRedisBudgetLedger({ redis, prefix, now: () => clock.now }) };
};

const usedOf = async (ledger: ReturnType<typeof createRedisBudgetLedger>, counters: BudgetCounter[]): Promise<number[]> =>
  (await ledger.remaining(counters)).map((standing) => standing.used);

test('settle refunds the difference between the estimate and the use', async () => {
  const { ledger } = ledgerWithClock();
  const budget = counter('tenant:t:model:*:day', 1000);
  assert.deepEqual(await ledger.reserve({ reservationId: 'r1', counters: [budget], tokens: 400, ttlMs: 60_000 }), { ok: true });
  assert.deepEqual(await usedOf(ledger, [budget]), [400], 'the estimate is held');
  assert.equal(await ledger.settle({ reservationId: 'r1', tokens: 150 }), 'settled');
  assert.deepEqual(await ledger.remaining([budget]), [{ scope: budget.scope, periodKey: budget.periodKey, limit: 1000, used: 150, remaining: 850 }]);
  assert.deepEqual(await ledger.reserve({ reservationId: 'r2', counters: [budget], tokens: 850, ttlMs: 60_000 }), { ok: true }, 'the refund is spendable');
  const refused = await ledger.reserve({ reservationId: 'r3', counters: [budget], tokens: 1, ttlMs: 60_000 });
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok);
  assert.deepEqual({ ...refused, retryAfterMs: undefined }, { ok: false, scope: budget.scope, limit: 1000, used: 1000, retryAfterMs: undefined });
  assert.ok(refused.retryAfterMs > 59 * 60 * 1000 && refused.retryAfterMs <= 60 * 60 * 1000 + 1000, 'until the period ends (the counter was made a moment after the clock was read)');
});

test('a cancelled stream is charged what it generated: not zero, not the whole estimate; release returns everything', async () => {
  const { ledger } = ledgerWithClock();
  const budget = counter('tenant:t:model:*:day', 10_000);
  await ledger.reserve({ reservationId: 'cancelled', counters: [budget], tokens: 2000, ttlMs: 60_000 });
  await ledger.reserve({ reservationId: 'never-started', counters: [budget], tokens: 3000, ttlMs: 60_000 });
  assert.deepEqual(await usedOf(ledger, [budget]), [5000]);
  assert.equal(await ledger.settle({ reservationId: 'cancelled', tokens: 137 }), 'settled');
  assert.deepEqual(await usedOf(ledger, [budget]), [3137]);
  assert.equal(await ledger.release({ reservationId: 'never-started' }), 'settled');
  assert.deepEqual(await usedOf(ledger, [budget]), [137]);
});

test('reserve and settle are idempotent per reservation id, also when sent at once', async () => {
  const { ledger } = ledgerWithClock();
  const budget = counter('tenant:t:model:*:day', 1000);
  const reserve = () => ledger.reserve({ reservationId: 'same', counters: [budget], tokens: 300, ttlMs: 60_000 });
  assert.deepEqual(await Promise.all(Array.from({ length: 10 }, reserve)), Array.from({ length: 10 }, () => ({ ok: true })));
  assert.deepEqual(await usedOf(ledger, [budget]), [300], 'held once');
  const statuses = await Promise.all([ledger.settle({ reservationId: 'same', tokens: 100 }), ledger.settle({ reservationId: 'same', tokens: 100 })]);
  assert.deepEqual(statuses.sort(), ['duplicate', 'settled']);
  assert.equal(await ledger.settle({ reservationId: 'same', tokens: 999 }), 'duplicate');
  assert.equal(await ledger.release({ reservationId: 'same' }), 'duplicate');
  assert.deepEqual(await usedOf(ledger, [budget]), [100], 'charged once');
  assert.deepEqual(await reserve(), { ok: true }, 'a settled reservation is not reserved again');
  assert.deepEqual(await usedOf(ledger, [budget]), [100]);
});

test('an unsettled hold expires on Redis\'s clock and is purged; settling it late still charges the use', async () => {
  const { ledger } = ledgerWithClock();
  const budget = counter('tenant:t:model:*:day', 1000);
  const reservedAt = Date.now();
  assert.equal((await ledger.reserve({ reservationId: 'crashed', counters: [budget], tokens: 600, ttlMs: 1000 })).ok, true);
  assert.equal((await ledger.reserve({ reservationId: 'waiting', counters: [budget], tokens: 600, ttlMs: 1000 })).ok, false);
  assert.deepEqual(await usedOf(ledger, [budget]), [600], 'held before its expiry');
  await waitFor(async () => (await usedOf(ledger, [budget]))[0] === 0, { timeoutMs: 5000, description: 'the expired hold is purged' });
  assert.ok(Date.now() - reservedAt >= 990, 'not purged before its ttl');
  assert.equal((await ledger.reserve({ reservationId: 'waiting', counters: [budget], tokens: 600, ttlMs: 60_000 })).ok, true);
  assert.equal(await ledger.settle({ reservationId: 'crashed', tokens: 100 }), 'expired');
  assert.deepEqual(await usedOf(ledger, [budget]), [700], 'the late use is charged; the live hold is untouched');
  assert.equal(await ledger.settle({ reservationId: 'waiting', tokens: 600 }), 'settled');
  assert.deepEqual(await usedOf(ledger, [budget]), [700], 'its hold replaced by the same use');
});

const DAYS = 24 * 60 * 60 * 1000;

test('a worker whose clock is days behind Redis\'s keeps its counts: key lifetimes are durations, not instants of its clock', async () => {
  const { ledger, prefix, clock } = ledgerWithClock(Date.now() - 3 * DAYS);
  const budget = counter('tenant:t:model:*:day', 1000, { expiresAt: clock.now + 60 * 60 * 1000 });
  assert.deepEqual(await ledger.reserve({ reservationId: 'r1', counters: [budget], tokens: 400, ttlMs: 60_000 }), { ok: true });
  assert.equal(await ledger.settle({ reservationId: 'r1', tokens: 300 }), 'settled');
  assert.deepEqual(await usedOf(ledger, [budget]), [300], 'the spend is still counted');
  const ttl = await redis.pttl(counterKeys(prefix, budget)[0]);
  assert.ok(Math.abs(ttl - (60 * 60 * 1000 + DAYS)) < 5000, `the count lives its period's rest plus a day on Redis's clock (${ttl} ms)`);
});

test('a settle long after its period, its count gone, leaves no key without an expiry', async () => {
  const { ledger, prefix } = ledgerWithClock();
  const longGone = counter('tenant:t:model:*:day', 1000, { expiresAt: Date.now() - 2 * DAYS });
  assert.equal(await ledger.settle({ reservationId: 'very-late', tokens: 5, counters: [longGone] }), 'unknown');
  for (const key of await keysUnder(redis, prefix)) assert.notEqual(await redis.pttl(key), -1, `${key} has an expiry`);
});

test('hold expiries are Redis\'s: a worker whose clock runs ahead does not drop another\'s hold, one behind does not keep its own', async () => {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const budget = counter('tenant:t:model:*:day', 1000);
  const onTime = createRedisBudgetLedger({ redis, prefix });
  const ahead = createRedisBudgetLedger({ redis, prefix, now: () => Date.now() + 2 * 60 * 60 * 1000 });
  const behind = createRedisBudgetLedger({ redis, prefix, now: () => Date.now() - 2 * 60 * 60 * 1000 });
  assert.equal((await onTime.reserve({ reservationId: 'live', counters: [budget], tokens: 600, ttlMs: 60_000 })).ok, true);
  assert.equal((await ahead.reserve({ reservationId: 'ahead', counters: [budget], tokens: 600, ttlMs: 60_000 })).ok, false, 'the live hold still counts');
  assert.equal(await onTime.release({ reservationId: 'live' }), 'settled');
  const reservedAt = Date.now();
  assert.equal((await behind.reserve({ reservationId: 'crashed', counters: [budget], tokens: 600, ttlMs: 1000 })).ok, true);
  await waitFor(async () => (await usedOf(behind, [budget]))[0] === 0, { timeoutMs: 5000, description: 'a hold lapses after its ttl, whatever the clock of the worker that took it' });
  assert.ok(Date.now() - reservedAt < 4000);
});

test('settling an unknown reservation charges the counters given, or nothing without them', async () => {
  const { ledger } = ledgerWithClock();
  const budget = counter('tenant:t:model:*:day', 1000);
  assert.equal(await ledger.settle({ reservationId: 'never-reserved', tokens: 250, counters: [budget] }), 'unknown');
  assert.deepEqual(await usedOf(ledger, [budget]), [250]);
  assert.equal(await ledger.settle({ reservationId: 'never-reserved', tokens: 250, counters: [budget] }), 'duplicate');
  assert.equal(await ledger.settle({ reservationId: 'also-never', tokens: 250 }), 'unknown');
  assert.deepEqual(await usedOf(ledger, [budget]), [250]);
});

test('a use above the estimate is charged in full: the limit is passed by that overshoot only', async () => {
  const { ledger } = ledgerWithClock();
  const budget = counter('tenant:t:model:*:day', 100);
  await ledger.reserve({ reservationId: 'under-estimated', counters: [budget], tokens: 100, ttlMs: 60_000 });
  assert.equal(await ledger.settle({ reservationId: 'under-estimated', tokens: 130 }), 'settled');
  assert.deepEqual(await ledger.remaining([budget]), [{ scope: budget.scope, periodKey: budget.periodKey, limit: 100, used: 130, remaining: 0 }]);
  assert.equal((await ledger.reserve({ reservationId: 'next', counters: [budget], tokens: 0, ttlMs: 60_000 })).ok, false, 'nothing more once over');
});

test('a new period starts a fresh count; the old one keeps its own', async () => {
  const { ledger } = ledgerWithClock();
  const today = counter('tenant:t:model:*:day', 500, { periodKey: '2026-11-26' });
  const tomorrow = counter('tenant:t:model:*:day', 500, { periodKey: '2026-11-27', expiresAt: today.expiresAt + 86_400_000 });
  await ledger.reserve({ reservationId: 'late-night', counters: [today], tokens: 500, ttlMs: 60_000 });
  assert.equal((await ledger.reserve({ reservationId: 'midnight', counters: [today], tokens: 1, ttlMs: 60_000 })).ok, false);
  assert.equal((await ledger.reserve({ reservationId: 'midnight', counters: [tomorrow], tokens: 500, ttlMs: 60_000 })).ok, true);
  assert.equal(await ledger.settle({ reservationId: 'late-night', tokens: 400 }), 'settled', 'settled after midnight: charged to the day it began');
  assert.deepEqual(await usedOf(ledger, [today, tomorrow]), [400, 500]);
});

test('several counters: all admit or none is touched, and the refusal names the one that could not', async () => {
  const { ledger } = ledgerWithClock();
  const tenantBudget = counter('tenant:t:model:*:day', 1000);
  const modelBudget = counter('tenant:t:model:big:day', 100);
  const keyBudget = counter('key:k:day', 5000);
  await ledger.settle({ reservationId: 'earlier', tokens: 50, counters: [modelBudget] });
  const refused = await ledger.reserve({ reservationId: 'r1', counters: [tenantBudget, modelBudget, keyBudget], tokens: 80, ttlMs: 60_000 });
  assert.ok(!refused.ok);
  assert.deepEqual([refused.scope, refused.limit, refused.used], ['tenant:t:model:big:day', 100, 50]);
  assert.deepEqual(await usedOf(ledger, [tenantBudget, modelBudget, keyBudget]), [0, 50, 0], 'nothing held anywhere');
  assert.equal((await ledger.reserve({ reservationId: 'r2', counters: [tenantBudget, modelBudget, keyBudget], tokens: 50, ttlMs: 60_000 })).ok, true);
  assert.deepEqual(await usedOf(ledger, [tenantBudget, modelBudget, keyBudget]), [50, 100, 50]);
  assert.equal(await ledger.settle({ reservationId: 'r2', tokens: 20 }), 'settled', 'without counters: the stored ones');
  assert.deepEqual(await usedOf(ledger, [tenantBudget, modelBudget, keyBudget]), [20, 70, 20]);
});

test('every key written has an expiry: counts a grace after their period, records a retention after their hold', async () => {
  const { ledger, prefix, clock } = ledgerWithClock();
  const budget = counter('tenant:t:model:*:day', 1000, { expiresAt: clock.now + 3_600_000 });
  await ledger.reserve({ reservationId: 'held', counters: [budget], tokens: 10, ttlMs: 60_000 });
  await ledger.reserve({ reservationId: 'done', counters: [budget], tokens: 10, ttlMs: 60_000 });
  await ledger.settle({ reservationId: 'done', tokens: 5 });
  await ledger.settle({ reservationId: 'unknown', tokens: 5, counters: [counter('key:k:day', 10)] });
  const keys = await keysUnder(redis, prefix);
  assert.deepEqual(keys.sort(), [
    ...counterKeys(prefix, budget), ...counterKeys(prefix, counter('key:k:day', 10)).slice(0, 1),
    reservationKey(prefix, 'done'), reservationKey(prefix, 'held'), reservationKey(prefix, 'unknown'),
  ].sort());
  for (const key of keys) assert.ok((await redis.pttl(key)) > 0, `${key} expires`);
  const countTtl = await redis.pttl(counterKeys(prefix, budget)[0]);
  assert.ok(Math.abs(countTtl - (3_600_000 + 86_400_000 - (Date.now() - clock.now))) < 5000, `a count lives until its period ends plus a day (${countTtl} ms)`);
  assert.ok(Math.abs((await redis.pttl(reservationKey(prefix, 'held'))) - (60_000 + 15 * 60_000)) < 5000);
  assert.deepEqual(await redis.hgetall(reservationKey(prefix, 'done')), { state: 'settled', tokens: '5' }, 'a settled record is small');
});

test('Redis unreachable: budget_unavailable, retriable; bad arguments: invalid_argument', async () => {
  const down = createBudgetRedis(`redis://127.0.0.1:${await closedPort()}`);
  try {
    const ledger = createRedisBudgetLedger({ redis: down });
    const unavailable = (error: unknown) => error instanceof BudgetError && error.code === 'budget_unavailable' && error.retriable && error.cause !== undefined;
    await assert.rejects(ledger.reserve({ reservationId: 'r', counters: [counter('s', 10)], tokens: 1, ttlMs: 1000 }), unavailable);
    await assert.rejects(ledger.settle({ reservationId: 'r', tokens: 1, counters: [counter('s', 10)] }), unavailable);
    await assert.rejects(ledger.settle({ reservationId: 'r', tokens: 1 }), unavailable);
    await assert.rejects(ledger.remaining([counter('s', 10)]), unavailable);
  } finally {
    down.disconnect();
  }
  const { ledger } = ledgerWithClock();
  const invalid = (error: unknown) => error instanceof BudgetError && error.code === 'invalid_argument' && !error.retriable;
  await assert.rejects(ledger.reserve({ reservationId: 'r', counters: [counter('s', 10)], tokens: -1, ttlMs: 1000 }), invalid);
  await assert.rejects(ledger.reserve({ reservationId: 'r', counters: [counter('s', 0)], tokens: 1, ttlMs: 1000 }), invalid);
  await assert.rejects(ledger.reserve({ reservationId: 'r', counters: [counter('s', 10), counter('s', 20)], tokens: 1, ttlMs: 1000 }), invalid);
  await assert.rejects(ledger.settle({ reservationId: 'r', tokens: 1.5 }), invalid);
  assert.deepEqual(await ledger.reserve({ reservationId: 'r', counters: [], tokens: 1, ttlMs: 1000 }), { ok: true }, 'no counters: nothing to check');
});

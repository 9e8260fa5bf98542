// The budget policy: which counters a request gets, budget_exceeded before any provider, Redis down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BudgetRules } from '@rivulet/store';
import {
  BudgetError, budgetCounters, createBudgetPolicy, createBudgetRedis, createRedisBudgetLedger, createRedisClock, periodWindow, type BudgetLedger, type BudgetRequest,
} from '../src/budget/index.js';
import { closedPort, uniquePrefix, useBudgetRedis } from './support/budget-redis.js';

const { redis, prefixes } = useBudgetRedis();

// A fixed calendar date: the ledger sends Redis key lifetimes as durations from its own clock and
// holds expire on Redis's TIME, so the test's clock may stand on any date, past or future.
const LATE_EVENING = Date.parse('2026-11-26T23:59:00.000Z');
const NEXT_MORNING = Date.parse('2026-11-27T00:00:30.000Z');

const rules = (overrides: Partial<BudgetRules> = {}): BudgetRules => ({ budgets: [], keyDailyTokenBudget: null, tier: 'standard', ...overrides });

const request = (overrides: Partial<BudgetRequest> = {}): BudgetRequest => ({
  requestId: 'req-1', attemptId: 'attempt-1', tenantId: 'acme', apiKeyId: 'key_0123456789ab', model: 'big', estimateTokens: 100, ...overrides,
});

/** A policy over the real ledger, on a prefix of its own, with a clock the test may move. */
const policyWith = (budgetRules: BudgetRules, options: { onRedisDown?: 'deny' | 'allow'; ledger?: BudgetLedger } = {}) => {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const clock = { now: LATE_EVENING };
  const ledger = options.ledger ?? createRedisBudgetLedger({ redis, prefix, now: () => clock.now });
  const policy = createBudgetPolicy({ ledger, rules: () => Promise.resolve(budgetRules), now: () => clock.now, ...(options.onRedisDown ? { onRedisDown: options.onRedisDown } : {}) });
  return { policy, clock, ledger };
};

test('UTC periods: a day is its date, a month its year and month; each ends at the next one\'s start', () => {
  assert.deepEqual(periodWindow('day', LATE_EVENING), { key: '2026-11-26', endsAt: Date.parse('2026-11-27T00:00:00.000Z') });
  assert.deepEqual(periodWindow('month', LATE_EVENING), { key: '2026-11', endsAt: Date.parse('2026-12-01T00:00:00.000Z') });
  assert.deepEqual(periodWindow('month', Date.parse('2026-12-31T23:59:59.999Z')), { key: '2026-12', endsAt: Date.parse('2027-01-01T00:00:00.000Z') });
  assert.deepEqual(periodWindow('day', Date.parse('2028-02-28T12:00:00Z')).endsAt, Date.parse('2028-02-29T00:00:00Z'));
});

test('a request counts against the tenant\'s all-models rules, its served model\'s rules and its key\'s daily budget', () => {
  const counters = budgetCounters(rules({
    budgets: [
      { model: '*', period: 'day', tokens: 1000 }, { model: '*', period: 'month', tokens: 20_000 },
      { model: 'big', period: 'day', tokens: 300 }, { model: 'small', period: 'day', tokens: 50 },
    ],
    keyDailyTokenBudget: 700,
  }), request(), LATE_EVENING);
  assert.deepEqual(counters.map(({ scope, limit, periodKey }) => [scope, limit, periodKey]), [
    ['tenant:acme:model:*:day', 1000, '2026-11-26'],
    ['tenant:acme:model:*:month', 20_000, '2026-11'],
    ['tenant:acme:model:big:day', 300, '2026-11-26'],
    ['key:key_0123456789ab:day', 700, '2026-11-26'],
  ]);
  assert.deepEqual(budgetCounters(rules({ keyDailyTokenBudget: 700 }), request({ apiKeyId: null }), LATE_EVENING), [], 'no key id, no key budget');
});

test('no rules: always admitted without a round trip to Redis, settled as untracked', async () => {
  const calls: string[] = [];
  const refuse = (name: string) => () => {
    calls.push(name);
    return Promise.reject(new Error('the ledger must not be called'));
  };
  const ledger: BudgetLedger = { reserve: refuse('reserve'), settle: refuse('settle'), release: refuse('release'), remaining: refuse('remaining') };
  const { policy } = policyWith(rules({ keyDailyTokenBudget: 5 }), { ledger });
  const decision = await policy.reserve(request({ apiKeyId: null, estimateTokens: 1_000_000 }));
  assert.ok(decision.ok);
  assert.deepEqual(decision.reservation, { id: 'req-1:attempt-1', tokens: 1_000_000, counters: [], held: false });
  assert.deepEqual(await policy.settle(decision.reservation, 999), { ok: true, status: 'untracked' });
  assert.deepEqual(await policy.remaining(request({ apiKeyId: null })), { ratio: null, counters: [] });
  assert.deepEqual(calls, []);
});

test('over budget: budget_exceeded naming the budget, its limit, what is used and when it resets', async () => {
  const { policy } = policyWith(rules({ budgets: [{ model: '*', period: 'day', tokens: 1000 }, { model: 'big', period: 'month', tokens: 50_000 }] }));
  const first = await policy.reserve(request({ estimateTokens: 800 }));
  assert.ok(first.ok && first.reservation.held);
  const refused = await policy.reserve(request({ attemptId: 'attempt-2', estimateTokens: 300 }));
  assert.ok(!refused.ok);
  assert.deepEqual({ ...refused.error, message: undefined }, {
    code: 'budget_exceeded', message: undefined, retryable: true, retryAfterMs: 60_000,
    scope: 'tenant:acme:model:*:day', limit: 1000, used: 800, resetsAt: '2026-11-27T00:00:00.000Z',
  });
  assert.equal(refused.error.message,
    'Token budget exceeded: the daily token budget of tenant acme (all models) is 1000 tokens, 800 are used or held, and this request needs up to 300; it resets at 2026-11-27T00:00:00.000Z.');
  const tooBig = await policy.reserve(request({ attemptId: 'attempt-3', estimateTokens: 5000 }));
  assert.ok(!tooBig.ok);
  assert.equal(tooBig.error.retryable, false, 'waiting does not help a request larger than the budget');
  assert.match(tooBig.error.message, /more than the whole budget/);
});

test('the key\'s daily budget refuses on its own, named as the key\'s', async () => {
  const { policy } = policyWith(rules({ budgets: [{ model: '*', period: 'month', tokens: 1_000_000 }], keyDailyTokenBudget: 100 }));
  const refused = await policy.reserve(request({ estimateTokens: 101 }));
  assert.ok(!refused.ok);
  assert.equal(refused.error.scope, 'key:key_0123456789ab:day');
  assert.match(refused.error.message, /the daily token budget of API key key_0123456789ab is 100 tokens/);
});

test('settle refunds the difference; remaining reports the tightest ratio; a new day starts afresh', async () => {
  const { policy, clock } = policyWith(rules({ budgets: [{ model: '*', period: 'day', tokens: 1000 }, { model: 'big', period: 'month', tokens: 10_000 }] }));
  const decision = await policy.reserve(request({ estimateTokens: 600 }));
  assert.ok(decision.ok);
  assert.equal((await policy.remaining(request())).ratio, 0.4);
  assert.deepEqual(await policy.settle(decision.reservation, 250), { ok: true, status: 'settled' });
  assert.deepEqual(await policy.settle(decision.reservation, 250), { ok: true, status: 'duplicate' });
  const standing = await policy.remaining(request());
  assert.equal(standing.ratio, 0.75);
  assert.deepEqual(standing.counters.map(({ scope, used, remaining }) => [scope, used, remaining]), [
    ['tenant:acme:model:*:day', 250, 750], ['tenant:acme:model:big:month', 250, 9750],
  ]);
  const spend = await policy.reserve(request({ attemptId: 'attempt-2', estimateTokens: 750 }));
  assert.ok(spend.ok);
  assert.equal((await policy.reserve(request({ attemptId: 'attempt-3', estimateTokens: 1 }))).ok, false);
  clock.now = NEXT_MORNING;
  assert.equal((await policy.reserve(request({ attemptId: 'attempt-3', estimateTokens: 1000 }))).ok, true, 'a new UTC day');
  assert.equal((await policy.remaining(request())).counters[1]!.used, 2000, 'the month goes on');
});

test('Redis down: reserve rejects with budget_unavailable by default; under allow it admits and settle charges later', async () => {
  const down = createBudgetRedis(`redis://127.0.0.1:${await closedPort()}`);
  const budgetRules = rules({ budgets: [{ model: '*', period: 'day', tokens: 1000 }] });
  try {
    const denying = policyWith(budgetRules, { ledger: createRedisBudgetLedger({ redis: down }) });
    await assert.rejects(denying.policy.reserve(request()), (error: unknown) => error instanceof BudgetError && error.code === 'budget_unavailable' && error.retriable);

    const allowing = policyWith(budgetRules, { onRedisDown: 'allow', ledger: createRedisBudgetLedger({ redis: down }) });
    const admitted = await allowing.policy.reserve(request({ estimateTokens: 500 }));
    assert.ok(admitted.ok);
    assert.equal(admitted.reservation.held, false);
    const failed = await allowing.policy.settle(admitted.reservation, 120);
    assert.ok(!failed.ok && failed.error.code === 'budget_unavailable', 'settle reports, never rejects');

    const recovered = policyWith(budgetRules);
    assert.deepEqual(await recovered.policy.settle(admitted.reservation, 120), { ok: true, status: 'unknown' }, 'Redis back: the use is charged');
    assert.equal((await recovered.policy.remaining(request())).counters[0]!.used, 120);
  } finally {
    down.disconnect();
  }
});

test('a worker days off Redis\'s clock counts in Redis\'s day, the one every other worker counts in', async () => {
  const budgetRules = rules({ budgets: [{ model: '*', period: 'day', tokens: 1000 }] });
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const onTime = createBudgetPolicy({ ledger: createRedisBudgetLedger({ redis, prefix }), rules: () => Promise.resolve(budgetRules) });
  for (const skewMs of [-3 * 86_400_000, 3 * 86_400_000]) {
    const clock = createRedisClock({ redis, localNow: () => Date.now() + skewMs });
    await clock.sync();
    const skewed = createBudgetPolicy({ ledger: createRedisBudgetLedger({ redis, prefix, now: clock.now }), rules: () => Promise.resolve(budgetRules), now: clock.now });
    const decision = await skewed.reserve(request({ attemptId: `skew-${skewMs}`, estimateTokens: 100 }));
    assert.ok(decision.ok);
    const [seconds] = await redis.time();
    assert.equal(decision.reservation.counters[0]!.periodKey, periodWindow('day', Number(seconds) * 1000).key, 'the period of Redis\'s clock');
    assert.deepEqual(await skewed.settle(decision.reservation, 100), { ok: true, status: 'settled' });
  }
  const standing = await onTime.remaining(request());
  assert.equal(standing.counters[0]!.used, 200, 'both skewed workers\' spend is in the day an on-time worker reads');
});

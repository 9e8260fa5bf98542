// The cached rules loader, and its adapter over the store's query on a real database.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createApiKey, createPool, migrate, setTokenBudget, type BudgetRules } from '@rivulet/store';
import { createCachedBudgetRules, storeBudgetRules } from '../src/budget/index.js';

const rules = (tokens: number): BudgetRules => ({ budgets: [{ model: '*', period: 'day', tokens }], keyDailyTokenBudget: null, tier: 'standard' });

test('answers are reused for the ttl, per tenant and key; concurrent asks share one load', async () => {
  const loads: string[] = [];
  const clock = { now: 0 };
  const cached = createCachedBudgetRules({
    load: (tenantId, apiKeyId) => {
      loads.push(`${tenantId}/${apiKeyId}`);
      return Promise.resolve(rules(loads.length));
    },
    ttlMs: 5000, now: () => clock.now,
  });
  const [first, second] = await Promise.all([cached('t', 'k'), cached('t', 'k')]);
  assert.equal(first, second);
  await cached('t', null);
  await cached('u', 'k');
  assert.deepEqual(loads, ['t/k', 't/null', 'u/k']);
  clock.now = 4999;
  assert.equal((await cached('t', 'k')).budgets[0]!.tokens, 1);
  clock.now = 5000;
  assert.equal((await cached('t', 'k')).budgets[0]!.tokens, 4, 'reloaded after the ttl');
});

test('a failed load is not cached; the oldest entries go past maxEntries', async () => {
  let fail = true;
  let count = 0;
  const cached = createCachedBudgetRules({
    load: () => {
      count += 1;
      return fail ? Promise.reject(new Error('database down')) : Promise.resolve(rules(count));
    },
    maxEntries: 2,
  });
  await assert.rejects(cached('t', 'k'), /database down/);
  fail = false;
  assert.equal((await cached('t', 'k')).budgets[0]!.tokens, 2);
  await cached('a', null);
  await cached('b', null);
  await cached('t', 'k');
  assert.equal(count, 5, 't/k was evicted by a and b');
});

test('storeBudgetRules reads the rules from PostgreSQL', async () => {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
  const schema = `budget_rules_test_${randomBytes(4).toString('hex')}`;
  await migrate({ databaseUrl, schema });
  const pool = createPool({ databaseUrl, schema, max: 2 });
  try {
    const { id } = await createApiKey(pool, { tenantId: 'acme', dailyTokenBudget: 700 });
    await setTokenBudget(pool, { tenantId: 'acme', tokens: 1000 });
    assert.deepEqual(await storeBudgetRules(pool)('acme', id), { budgets: [{ model: '*', period: 'day', tokens: 1000 }], keyDailyTokenBudget: 700, tier: 'standard' });
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  }
});

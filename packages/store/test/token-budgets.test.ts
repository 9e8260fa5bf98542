import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  createApiKey, DEFAULT_TENANT_TIER, listTokenBudgets, loadBudgetRules, removeTokenBudget, setTokenBudget, StoreError,
} from '../src/index.js';
import { testSchema } from '../src/testing.js';

const { pool, setUp, tearDown } = testSchema({ prefix: 'token_budgets_test', max: 4 });

before(setUp);
after(tearDown);

/** A tenant that exists (created with a key, as `rivulet keys create` does); returns its key id. */
const tenantWithKey = async (dailyTokenBudget?: number): Promise<{ tenantId: string; apiKeyId: string }> => {
  const tenantId = `tenant-${randomBytes(4).toString('hex')}`;
  const { id } = await createApiKey(pool, { tenantId, dailyTokenBudget });
  return { tenantId, apiKeyId: id };
};

test('tenants get the standard tier by default', async () => {
  const { tenantId } = await tenantWithKey();
  const { rows } = await pool.query<{ tier: string }>('SELECT tier FROM tenants WHERE id = $1', [tenantId]);
  assert.deepEqual(rows, [{ tier: 'standard' }]);
});

test('set creates, then replaces, one budget per (model, period); defaults are all models, per day', async () => {
  const { tenantId } = await tenantWithKey();
  const first = await setTokenBudget(pool, { tenantId, tokens: 1000 });
  assert.deepEqual({ ...first, updatedAt: undefined }, { tenantId, model: '*', period: 'day', tokens: 1000, updatedAt: undefined });
  assert.ok(!Number.isNaN(Date.parse(first.updatedAt)));
  await setTokenBudget(pool, { tenantId, tokens: 2000 });
  await setTokenBudget(pool, { tenantId, tokens: 50_000_000_000, period: 'month' });
  await setTokenBudget(pool, { tenantId, tokens: 300, model: 'gpt-4o' });
  const listed = await listTokenBudgets(pool, tenantId);
  assert.deepEqual(listed.map(({ model, period, tokens }) => ({ model, period, tokens })), [
    { model: '*', period: 'day', tokens: 2000 },
    { model: '*', period: 'month', tokens: 50_000_000_000 },
    { model: 'gpt-4o', period: 'day', tokens: 300 },
  ]);
});

test('set refuses bad values and an unknown tenant, writing nothing', async () => {
  const { tenantId } = await tenantWithKey();
  const code = (expected: string) => (error: unknown) => error instanceof StoreError && error.code === expected;
  await assert.rejects(setTokenBudget(pool, { tenantId, tokens: 0 }), code('invalid_argument'));
  await assert.rejects(setTokenBudget(pool, { tenantId, tokens: 1.5 }), code('invalid_argument'));
  await assert.rejects(setTokenBudget(pool, { tenantId, tokens: 10, model: ' ' }), code('invalid_argument'));
  await assert.rejects(setTokenBudget(pool, { tenantId, tokens: 10, period: 'week' as 'day' }), code('invalid_argument'));
  await assert.rejects(setTokenBudget(pool, { tenantId: 'no-such-tenant', tokens: 10 }), code('not_found'));
  assert.deepEqual(await listTokenBudgets(pool, tenantId), []);
});

test('remove deletes exactly the named budget and says whether there was one', async () => {
  const { tenantId } = await tenantWithKey();
  await setTokenBudget(pool, { tenantId, tokens: 1000 });
  await setTokenBudget(pool, { tenantId, tokens: 9000, period: 'month' });
  await setTokenBudget(pool, { tenantId, tokens: 100, model: 'small' });
  assert.equal(await removeTokenBudget(pool, { tenantId, model: 'small' }), true);
  assert.equal(await removeTokenBudget(pool, { tenantId, model: 'small' }), false);
  assert.equal(await removeTokenBudget(pool, { tenantId }), true);
  assert.deepEqual((await listTokenBudgets(pool, tenantId)).map(({ period }) => period), ['month']);
});

test('loadBudgetRules: the tenant\'s rules, its key\'s daily budget and its tier, in one answer', async () => {
  const { tenantId, apiKeyId } = await tenantWithKey(5_000_000_000);
  await setTokenBudget(pool, { tenantId, tokens: 1000 });
  await setTokenBudget(pool, { tenantId, tokens: 200, model: 'big' });
  await pool.query('UPDATE tenants SET tier = $2 WHERE id = $1', [tenantId, 'premium']);
  assert.deepEqual(await loadBudgetRules(pool, { tenantId, apiKeyId }), {
    budgets: [{ model: '*', period: 'day', tokens: 1000 }, { model: 'big', period: 'day', tokens: 200 }],
    keyDailyTokenBudget: 5_000_000_000,
    tier: 'premium',
  });
});

test('loadBudgetRules: no key budget for a key of another tenant or none; defaults for an unknown tenant', async () => {
  const { tenantId, apiKeyId } = await tenantWithKey();
  const other = await tenantWithKey(100);
  assert.deepEqual(await loadBudgetRules(pool, { tenantId, apiKeyId }), { budgets: [], keyDailyTokenBudget: null, tier: 'standard' });
  assert.equal((await loadBudgetRules(pool, { tenantId, apiKeyId: other.apiKeyId })).keyDailyTokenBudget, null);
  assert.equal((await loadBudgetRules(pool, { tenantId: other.tenantId, apiKeyId: other.apiKeyId })).keyDailyTokenBudget, 100);
  assert.deepEqual(await loadBudgetRules(pool, { tenantId: 'static-tenant', apiKeyId: null }), { budgets: [], keyDailyTokenBudget: null, tier: DEFAULT_TENANT_TIER });
});

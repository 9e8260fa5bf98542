// `rivulet budgets` as an operator runs it: the built command, against the real PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createApiKey, createPool, findApiKeyByHash, hashApiKey, listTokenBudgets, loadBudgetRules, migrate } from '@rivulet/store';
import { runCli } from './support/cli.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const pool = createPool({ databaseUrl, max: 2 });
const tenants: string[] = [];

const rivulet = (args: string[]) => runCli(args, { env: { DATABASE_URL: databaseUrl } });

const name = (): string => {
  const tenantId = `budgets-test-${randomBytes(4).toString('hex')}`;
  tenants.push(tenantId);
  return tenantId;
};

/** A tenant that exists, as `keys create` leaves it. */
const tenant = async (): Promise<string> => {
  const tenantId = name();
  await createApiKey(pool, { tenantId });
  return tenantId;
};

const budgetsOf = async (tenantId: string) => (await listTokenBudgets(pool, tenantId)).map(({ model, period, tokens }) => [model, period, tokens]);

before(() => migrate({ databaseUrl }));
after(async () => {
  await pool.query('DELETE FROM token_budgets WHERE tenant_id = ANY($1)', [tenants]);
  await pool.query('DELETE FROM api_keys WHERE tenant_id = ANY($1)', [tenants]);
  await pool.query('DELETE FROM tenants WHERE id = ANY($1)', [tenants]);
  await pool.end();
});

test('budgets set: daily for all models by default; --period and --model name others; setting again replaces', async () => {
  const tenantId = await tenant();
  const first = await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '1000000']);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.match(first.stdout, new RegExp(`Set the daily token budget of tenant ${tenantId} for all models to 1000000 tokens`));
  assert.equal((await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '30000000', '--period', 'month'])).code, 0);
  assert.equal((await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '5000', '--model', 'gpt-4o'])).code, 0);
  assert.equal((await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '2000000'])).code, 0);
  assert.deepEqual(await budgetsOf(tenantId), [['*', 'day', 2_000_000], ['*', 'month', 30_000_000], ['gpt-4o', 'day', 5000]]);
  assert.deepEqual((await loadBudgetRules(pool, { tenantId })).budgets, [
    { model: '*', period: 'day', tokens: 2_000_000 }, { model: '*', period: 'month', tokens: 30_000_000 }, { model: 'gpt-4o', period: 'day', tokens: 5000 },
  ]);
});

test('budgets set refuses bad counts, periods and unknown tenants, writing nothing', async () => {
  const tenantId = await tenant();
  const badCount = await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '0']);
  assert.notEqual(badCount.code, 0);
  assert.match(badCount.stderr, /--tokens/);
  const badPeriod = await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '10', '--period', 'week']);
  assert.notEqual(badPeriod.code, 0);
  assert.match(badPeriod.stderr, /--period/);
  const missing = await rivulet(['budgets', 'set', '--tenant', tenantId]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--tokens/);
  assert.deepEqual(await budgetsOf(tenantId), []);
  const unknown = name();
  const noTenant = await rivulet(['budgets', 'set', '--tenant', unknown, '--tokens', '10']);
  assert.equal(noTenant.code, 1);
  assert.match(noTenant.stderr, new RegExp(`There is no tenant "${unknown}".*rivulet keys create --tenant ${unknown}`));
});

test('budgets list: model, period, tokens and last change; a message when there are none', async () => {
  const tenantId = await tenant();
  const empty = await rivulet(['budgets', 'list', '--tenant', tenantId]);
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, new RegExp(`Tenant ${tenantId} has no token budgets`));
  await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '1000']);
  await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '70', '--model', 'small', '--period', 'month']);
  const { code, stdout } = await rivulet(['budgets', 'list', '--tenant', tenantId]);
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3, stdout);
  assert.match(lines[0]!, /^MODEL\s+PERIOD\s+TOKENS\s+UPDATED$/);
  assert.match(lines[1]!, /^\*\s+day\s+1000\s+\S+Z$/);
  assert.match(lines[2]!, /^small\s+month\s+70\s+\S+Z$/);
});

test('budgets remove: exactly the named budget; exits 1 when there is none', async () => {
  const tenantId = await tenant();
  await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '1000']);
  await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '9000', '--period', 'month']);
  await rivulet(['budgets', 'set', '--tenant', tenantId, '--tokens', '70', '--model', 'small']);
  const removed = await rivulet(['budgets', 'remove', '--tenant', tenantId, '--model', 'small']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, new RegExp(`Removed the daily token budget of tenant ${tenantId} for model small`));
  assert.equal((await rivulet(['budgets', 'remove', '--tenant', tenantId])).code, 0);
  assert.deepEqual(await budgetsOf(tenantId), [['*', 'month', 9000]]);
  const again = await rivulet(['budgets', 'remove', '--tenant', tenantId]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /There is no daily token budget .* nothing was removed/);
});

test('keys create --daily-token-budget stores the key\'s own daily budget, which the worker\'s rules include', async () => {
  const tenantId = name();
  const created = await rivulet(['keys', 'create', '--tenant', tenantId, '--daily-token-budget', '250000']);
  assert.equal(created.code, 0, created.stderr);
  const key = await findApiKeyByHash(pool, hashApiKey(created.stdout.trimEnd().split('\n').at(-1)!));
  assert.equal(key?.dailyTokenBudget, 250_000);
  assert.equal((await loadBudgetRules(pool, { tenantId, apiKeyId: key.id })).keyDailyTokenBudget, 250_000);
});

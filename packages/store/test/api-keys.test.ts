import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  API_KEY_REVOKED_CHANNEL, createApiKey, findApiKeyByHash, hashApiKey, listApiKeys, revokeApiKey, revokeApiKeyEverywhere, StoreError,
} from '../src/index.js';
import { testSchema } from '../src/testing.js';

const { pool, setUp, tearDown } = testSchema({ prefix: 'api_keys_test', max: 4 });

before(setUp);
after(tearDown);

const tenant = (): string => `tenant-${randomBytes(4).toString('hex')}`;

test('a created key is shown once, stored only as its hash, and found by that hash', async () => {
  const tenantId = tenant();
  const created = await createApiKey(pool, { tenantId, ratePerMinute: 60, dailyTokenBudget: 5_000_000_000 });
  assert.match(created.id, /^key_[0-9a-f]{12}$/);
  assert.match(created.key, /^rvt_[A-Za-z0-9_-]{32}$/);
  assert.equal(created.prefix, created.key.slice(0, 8));
  assert.equal(created.tenantId, tenantId);

  const { rows } = await pool.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [created.id]);
  assert.equal(rows[0]!.key_hash, hashApiKey(created.key));
  assert.ok(!Object.values(rows[0]!).some((value) => typeof value === 'string' && value.includes(created.key)), 'the key itself is nowhere in the row');

  assert.deepEqual(await findApiKeyByHash(pool, hashApiKey(created.key)), {
    id: created.id, tenantId, revokedAt: null, ratePerMinute: 60, dailyTokenBudget: 5_000_000_000,
  });
  assert.equal(await findApiKeyByHash(pool, hashApiKey(`${created.key}x`)), undefined);
  const { rows: tenants } = await pool.query<{ id: string; name: string }>('SELECT id, name FROM tenants WHERE id = $1', [tenantId]);
  assert.deepEqual(tenants, [{ id: tenantId, name: tenantId }], 'the tenant was created');
});

test('a second key for the same tenant reuses it; keys are distinct; limits default to none', async () => {
  const tenantId = tenant();
  const first = await createApiKey(pool, { tenantId });
  const second = await createApiKey(pool, { tenantId });
  assert.notEqual(first.key, second.key);
  assert.notEqual(first.id, second.id);
  const stored = await findApiKeyByHash(pool, hashApiKey(second.key));
  assert.deepEqual([stored?.ratePerMinute, stored?.dailyTokenBudget], [null, null]);
  const { rows } = await pool.query<{ count: string }>('SELECT count(*) FROM tenants WHERE id = $1', [tenantId]);
  assert.equal(rows[0]!.count, '1');
});

test('bad arguments are refused before anything is written', async () => {
  await assert.rejects(createApiKey(pool, { tenantId: '' }), (error: unknown) => error instanceof StoreError && error.code === 'invalid_argument');
  await assert.rejects(createApiKey(pool, { tenantId: tenant(), ratePerMinute: 0 }), StoreError);
  await assert.rejects(createApiKey(pool, { tenantId: tenant(), dailyTokenBudget: 1.5 }), StoreError);
});

test('revoking marks the key, keeps the first revocation time, and is false for an unknown id', async () => {
  const created = await createApiKey(pool, { tenantId: tenant() });
  assert.equal(await revokeApiKey(pool, created.id), true);
  const revokedAt = (await findApiKeyByHash(pool, hashApiKey(created.key)))?.revokedAt;
  assert.ok(revokedAt && !Number.isNaN(Date.parse(revokedAt)));
  assert.equal(await revokeApiKey(pool, created.id), true, 'idempotent');
  assert.equal((await findApiKeyByHash(pool, hashApiKey(created.key)))?.revokedAt, revokedAt);
  assert.equal(await revokeApiKey(pool, 'key_000000000000'), false);
});

test('revokeApiKeyEverywhere publishes the id on the prefixed channel, and nothing for an unknown id', async () => {
  const created = await createApiKey(pool, { tenantId: tenant() });
  const published: [string, string][] = [];
  const publisher = { publish: (channel: string, message: string) => Promise.resolve(published.push([channel, message])) };
  assert.equal(await revokeApiKeyEverywhere(pool, publisher, { id: 'key_000000000000', prefix: 'env1.' }), false);
  assert.deepEqual(published, []);
  assert.equal(await revokeApiKeyEverywhere(pool, publisher, { id: created.id, prefix: 'env1.' }), true);
  assert.deepEqual(published, [[`env1.${API_KEY_REVOKED_CHANNEL}`, created.id]]);
  assert.notEqual((await findApiKeyByHash(pool, hashApiKey(created.key)))?.revokedAt, null);
});

test('listing shows prefixes, not keys, for one tenant or all', async () => {
  const [a, b] = [tenant(), tenant()];
  const first = await createApiKey(pool, { tenantId: a });
  const second = await createApiKey(pool, { tenantId: a, ratePerMinute: 10 });
  const other = await createApiKey(pool, { tenantId: b });
  await revokeApiKey(pool, first.id);
  const listed = await listApiKeys(pool, a);
  assert.deepEqual(listed.map(({ id, prefix, tenantId, ratePerMinute }) => ({ id, prefix, tenantId, ratePerMinute })), [
    { id: first.id, prefix: first.prefix, tenantId: a, ratePerMinute: null },
    { id: second.id, prefix: second.prefix, tenantId: a, ratePerMinute: 10 },
  ]);
  assert.notEqual(listed[0]!.revokedAt, null);
  assert.equal(listed[1]!.revokedAt, null);
  assert.ok(!Number.isNaN(Date.parse(listed[0]!.createdAt)));
  const all = (await listApiKeys(pool)).map((key) => key.id);
  assert.ok([first.id, second.id, other.id].every((id) => all.includes(id)));
  assert.deepEqual(await listApiKeys(pool, tenant()), []);
});

// `rivulet keys` as an operator runs it: the built command, against the real PostgreSQL and Redis.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { API_KEY_REVOKED_CHANNEL, createPool, findApiKeyByHash, hashApiKey, migrate } from '@rivulet/store';
import { runCli } from './support/cli.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// A prefix of this run's own, so the broadcast it listens for is its own.
const prefix = `keys-test-${randomBytes(4).toString('hex')}.`;
const pool = createPool({ databaseUrl, max: 2 });
const tenants: string[] = [];

const rivulet = (args: string[]) => runCli(['keys', ...args], { env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, KAFKA_TOPIC_PREFIX: prefix } });

const tenant = (): string => {
  const name = `keys-test-tenant-${randomBytes(4).toString('hex')}`;
  tenants.push(name);
  return name;
};

/** `keys create`, checked to succeed; the key is the last line. */
const create = async (...args: string[]): Promise<{ key: string; id: string; stdout: string }> => {
  const { code, stdout, stderr } = await rivulet(['create', ...args]);
  assert.equal(code, 0, stdout + stderr);
  const lines = stdout.trimEnd().split('\n');
  const key = lines.at(-1)!;
  const id = /\b(key_[0-9a-f]{12})\b/.exec(stdout)?.[1];
  assert.ok(id, stdout);
  return { key, id, stdout };
};

before(() => migrate({ databaseUrl }));
after(async () => {
  await pool.query('DELETE FROM api_keys WHERE tenant_id = ANY($1)', [tenants]);
  await pool.query('DELETE FROM tenants WHERE id = ANY($1)', [tenants]);
  await pool.end();
});

test('keys create: a summary, then the key alone on the last line, which the database knows by its hash', async () => {
  const tenantId = tenant();
  const { key, id, stdout } = await create('--tenant', tenantId, '--rate-per-minute', '120', '--daily-token-budget', '2000000');
  assert.match(key, /^rvt_[A-Za-z0-9_-]{32}$/);
  assert.equal(stdout.split('\n').filter((line) => line.includes(key)).length, 1, 'the key is printed once, on its own line');
  assert.match(stdout, new RegExp(`tenant ${tenantId}`));
  assert.deepEqual(await findApiKeyByHash(pool, hashApiKey(key)), { id, tenantId, revokedAt: null, ratePerMinute: 120, dailyTokenBudget: 2_000_000 });
});

test('keys create refuses a bad count or a missing tenant, creating nothing', async () => {
  const tenantId = tenant();
  const bad = await rivulet(['create', '--tenant', tenantId, '--rate-per-minute', 'ten']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--rate-per-minute/);
  const missing = await rivulet(['create']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--tenant/);
  const { rows } = await pool.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
  assert.equal(rows.length, 0);
});

test('keys revoke: revokes, broadcasts the id on the prefixed channel, and exits 1 for an unknown id', async () => {
  const tenantId = tenant();
  const { key, id } = await create('--tenant', tenantId);
  const subscriber = new Redis(redisUrl);
  const received: string[] = [];
  try {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === prefix + API_KEY_REVOKED_CHANNEL) received.push(message);
    });
    await subscriber.subscribe(prefix + API_KEY_REVOKED_CHANNEL);
    const revoked = await rivulet(['revoke', id]);
    assert.equal(revoked.code, 0, revoked.stdout + revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`Revoked API key ${id}`));
    assert.notEqual((await findApiKeyByHash(pool, hashApiKey(key)))?.revokedAt, null);
    const deadline = Date.now() + 2_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(received, [id]);

    const unknown = await rivulet(['revoke', 'key_000000000000']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No API key has the id "key_000000000000"/);
    assert.deepEqual(received, [id], 'nothing broadcast for an unknown id');
  } finally {
    subscriber.disconnect();
  }
});

test('keys list: ids, prefixes and tenants, revoked ones marked, never the keys', async () => {
  const tenantId = tenant();
  const first = await create('--tenant', tenantId);
  const second = await create('--tenant', tenantId);
  assert.equal((await rivulet(['revoke', first.id])).code, 0);
  const { code, stdout } = await rivulet(['list', '--tenant', tenantId]);
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID\s+PREFIX\s+TENANT\s+CREATED\s+REVOKED$/);
  assert.equal(lines.length, 3, stdout);
  assert.match(lines[1]!, new RegExp(`^${first.id}\\s+${first.key.slice(0, 8)}\\s+${tenantId}\\s+\\S+Z\\s+\\S+Z$`));
  assert.match(lines[2]!, new RegExp(`^${second.id}\\s+${second.key.slice(0, 8)}\\s+${tenantId}\\s+\\S+Z\\s+-$`));
  assert.ok(!stdout.includes(first.key) && !stdout.includes(second.key));
  const empty = await rivulet(['list', '--tenant', tenant()]);
  assert.match(empty.stdout, /has no API keys/);
});

// Keys from PostgreSQL (`rivulet keys create`) on two real ingresses, and revocation by the
// Redis broadcast that `rivulet keys revoke` sends (revokeApiKeyEverywhere).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createApiKey, migrate, revokeApiKey, revokeApiKeyEverywhere, type CreatedApiKey } from '@rivulet/store';
import { testEnvironment as environment, uniqueName, waitFor } from '@rivulet/testing';
import { createIngressHarness, type IngressHarness } from './support/harness.js';
import { openSocket, type TestSocket } from './support/socket.js';

let first: IngressHarness;
let second: IngressHarness;
let publisher: Redis;
const sockets: TestSocket[] = [];
const created: CreatedApiKey[] = [];

before(async () => {
  await migrate({ databaseUrl: environment.databaseUrl });
  first = await createIngressHarness();
  second = await createIngressHarness();
  publisher = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});

after(async () => {
  for (const socket of sockets) socket.close();
  publisher.disconnect();
  if (created.length > 0) {
    await first.pool.query('DELETE FROM api_keys WHERE id = ANY($1)', [created.map(({ id }) => id)]);
    await first.pool.query('DELETE FROM tenants WHERE id = ANY($1)', [created.map(({ tenantId }) => tenantId)]);
  }
  await second.close();
  await first.close();
});

const newKey = async (): Promise<CreatedApiKey> => {
  const key = await createApiKey(first.pool, { tenantId: uniqueName('tenant-db') });
  created.push(key);
  return key;
};

const documentStatus = async (harness: IngressHarness, key: string): Promise<number> => {
  const response = await harness.request('/v1/documents/x', { key });
  await response.arrayBuffer();
  return response.status;
};

const connect = async (harness: IngressHarness, key: string): Promise<TestSocket> => {
  const socket = await openSocket(harness.wsUrl, { authorization: `Bearer ${key}` });
  sockets.push(socket);
  return socket;
};

test('a database key authenticates on HTTP and WebSocket, and the static keys still work', async () => {
  const { key, tenantId } = await newKey();
  assert.equal(await documentStatus(first, key), 404, 'authenticated: the document is just unknown');
  const socket = await connect(first, key);
  const ready = await socket.next((frame) => frame.type === 'ready');
  assert.equal(ready.tenant, tenantId);

  assert.equal(await documentStatus(first, first.keys.a), 404, 'RIVULET_API_KEYS come first and still answer');
  assert.equal(await documentStatus(first, `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`), 401, 'a key differing in one character');
  assert.equal(await documentStatus(first, 'rvt_unknown'), 401);
  assert.equal(await documentStatus(first, 'rvt_unknown'), 401, 'a cached refusal is still a refusal');
});

test('a revoked key is refused within a second by an ingress that had it cached, and its open sockets are closed', async () => {
  const { id, key } = await newKey();
  assert.equal(await documentStatus(second, key), 404);
  assert.equal(await documentStatus(first, key), 404);
  const open = await connect(second, key);
  await open.next((frame) => frame.type === 'ready');
  const bystander = await connect(second, second.keys.a);
  await bystander.next((frame) => frame.type === 'ready');

  // Revoked in the database only: the second ingress answers from its cache, so the refusal
  // below can only be the broadcast's doing.
  assert.equal(await revokeApiKey(first.pool, id), true);
  assert.equal(await documentStatus(second, key), 404, 'the lookup is cached');

  const revokedAt = Date.now();
  assert.equal(await revokeApiKeyEverywhere(first.pool, publisher, { id, prefix: '' }), true);
  await waitFor(async () => (await documentStatus(second, key)) === 401, { timeoutMs: 1_000, intervalMs: 20, description: 'the second ingress to refuse the revoked key' });
  const elapsedMs = Date.now() - revokedAt;
  assert.ok(elapsedMs < 1_000, `refused after ${elapsedMs} ms`);
  assert.equal((await open.closed(1_000)).code, 4401, 'the socket opened before the revocation is closed');
  bystander.send({ type: 'ping' });
  await bystander.next((frame) => frame.type === 'pong');

  assert.equal(await documentStatus(first, key), 401, 'and the first ingress too');
  const socket = await connect(second, key);
  assert.equal((await socket.closed(1_000)).code, 4401);
  assert.equal(socket.frames.length, 0, 'no ready frame');
});

test('revoking an unknown key id changes nothing and says so', async () => {
  const { key } = await newKey();
  assert.equal(await documentStatus(second, key), 404);
  assert.equal(await revokeApiKeyEverywhere(first.pool, publisher, { id: 'key_000000000000' }), false);
  assert.equal(await documentStatus(second, key), 404);
});

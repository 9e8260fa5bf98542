import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPool, migrate, withAllTenants, withTenant } from '@rivulet/store';
import { createDocumentStore } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const schema = `ingestion_test_${randomBytes(4).toString('hex')}`;
const pool = createPool({ databaseUrl, schema, max: 4 });
const store = createDocumentStore(pool);
const reference = { tenantId: 'tenant-a', collection: 'default', documentId: 'doc-1' };

before(async () => {
  await migrate({ databaseUrl, schema });
  await withTenant(pool, reference.tenantId, (client) => client.query(
    `INSERT INTO documents (tenant_id, collection, document_id, version, status) VALUES ($1, $2, $3, 'v1', 'accepted')`,
    [reference.tenantId, reference.collection, reference.documentId],
  ));
});
after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

// The worker's statements run under row-level security (decision 0011): each in its tenant's scope.
test('status changes reach the document of the reference\'s tenant, and only that one', async () => {
  await store.markProcessing(reference, 'v1', 5);
  assert.deepEqual(await store.state(reference), { version: 'v1', currentVersion: null, status: 'processing', chunkCount: 0, chunkKeys: 5 });
  await store.markFailed(reference, 'v1', { code: 'unsupported_type', message: 'no' });
  assert.equal((await store.state(reference))?.status, 'failed');
  const other = { ...reference, tenantId: 'tenant-b' };
  assert.equal(await store.state(other), undefined, 'another tenant does not see it');
  await store.markProcessing(other, 'v1', 9);
  assert.equal((await store.state(reference))?.status, 'failed', 'nor change it');
  assert.equal((await store.state(reference))?.chunkKeys, 5);
});

test('chunk keys: the indexed version\'s count counts too; a shorter version\'s count is recorded', async () => {
  // The indexer completed a version of 7 chunks (it writes chunk_count, never chunk_keys).
  await withTenant(pool, reference.tenantId, (client) => client.query(`UPDATE documents SET chunk_count = 7 WHERE document_id = $1`, [reference.documentId]));
  assert.equal((await store.state(reference))?.chunkKeys, 7);
  await store.recordChunkKeys(reference, 9);
  assert.equal((await store.state(reference))?.chunkKeys, 9);
  await store.recordChunkKeys(reference, 2);
  assert.equal((await store.state(reference))?.chunkKeys, 7, 'until the shorter version completes, the indexed one\'s keys may be tombstoned again (harmless)');
  await withTenant(pool, reference.tenantId, (client) => client.query(`UPDATE documents SET chunk_count = 2 WHERE document_id = $1`, [reference.documentId]));
  assert.equal((await store.state(reference))?.chunkKeys, 2);
});

test('a delete removes the document\'s chunks once its version is cleared, and says how many chunk keys it had', async () => {
  assert.equal(await store.delete(reference), undefined, 'not deleted while it has a version');
  await store.recordChunkKeys(reference, 4);
  await withTenant(pool, reference.tenantId, (client) => client.query(`UPDATE documents SET version = NULL WHERE document_id = $1`, [reference.documentId]));
  assert.deepEqual(await store.delete(reference), { chunkKeys: 4 });
  assert.deepEqual(await store.delete(reference), { chunkKeys: 4 }, 'a redelivery before the tombstones were recorded tombstones again');
  await store.recordChunkKeys(reference, 0);
  assert.deepEqual(await store.delete(reference), { chunkKeys: 0 });
  assert.equal((await store.state(reference))?.status, 'deleted');
  const { rows } = await withAllTenants(pool, 'test: the row as stored', (client) => client.query<{ tenant_id: string; status: string }>('SELECT tenant_id, status FROM documents'));
  assert.deepEqual(rows, [{ tenant_id: 'tenant-a', status: 'deleted' }]);
});

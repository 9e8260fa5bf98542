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
  await store.markProcessing(reference, 'v1');
  assert.deepEqual(await store.state(reference), { version: 'v1', currentVersion: null, status: 'processing', chunkCount: 0 });
  await store.markFailed(reference, 'v1', { code: 'unsupported_type', message: 'no' });
  assert.equal((await store.state(reference))?.status, 'failed');
  const other = { ...reference, tenantId: 'tenant-b' };
  assert.equal(await store.state(other), undefined, 'another tenant does not see it');
  await store.markProcessing(other, 'v1');
  assert.equal((await store.state(reference))?.status, 'failed', 'nor change it');
});

test('a delete removes the document\'s chunks once its version is cleared', async () => {
  assert.equal(await store.delete(reference), false, 'not deleted while it has a version');
  await withTenant(pool, reference.tenantId, (client) => client.query(`UPDATE documents SET version = NULL WHERE document_id = $1`, [reference.documentId]));
  assert.equal(await store.delete(reference), true);
  assert.equal((await store.state(reference))?.status, 'deleted');
  const { rows } = await withAllTenants(pool, 'test: the row as stored', (client) => client.query<{ tenant_id: string; status: string }>('SELECT tenant_id, status FROM documents'));
  assert.deepEqual(rows, [{ tenant_id: 'tenant-a', status: 'deleted' }]);
});

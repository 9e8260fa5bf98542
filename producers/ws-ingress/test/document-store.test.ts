import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createPool, withTenant, type PoolClient } from '@rivulet/store';
import { createDocumentStore, type PendingVersion } from '../src/documents/document-store.js';
import { testEnvironment as environment, uniqueName } from '@rivulet/testing';

const pool = createPool({ databaseUrl: environment.databaseUrl, max: 2 });
const store = createDocumentStore(pool);
const collection = uniqueName('test-collection');
const tenantId = 'store-test';
/** The test's own SQL, in the tenant's scope (row-level security). */
const asTenant = <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => withTenant(pool, tenantId, work);

after(async () => {
  await asTenant((client) => client.query('DELETE FROM documents WHERE collection = $1', [collection]));
  await pool.end();
});

const pending = (version: string, request: string): PendingVersion => ({
  reference: { tenantId, collection, documentId: 'doc' }, version, title: 't', fileName: null,
  mimeType: 'text/plain', sizeBytes: 3, metadata: { k: 'v' }, blob: undefined, pendingMessage: `not queued (request ${request})`,
});

test('only the request that wrote the pending row flips it to accepted; current_version and chunk_count are kept', async () => {
  const first = pending('sha256:one', 'r1');
  await store.recordPending(first);
  await asTenant((client) => client.query(`UPDATE documents SET current_version = 'sha256:zero', chunk_count = 7 WHERE collection = $1`, [collection]));
  const second = pending('sha256:two', 'r2');
  await store.recordPending(second);
  assert.equal(await store.markAccepted(first), false, 'a superseded request leaves the newer row alone');
  assert.deepEqual(await store.find(first.reference), {
    status: 'failed', version: 'sha256:two', chunks: 7, error: { code: 'internal', message: 'not queued (request r2)' },
  });
  assert.equal(await store.markAccepted(second), true);
  assert.deepEqual(await store.find(first.reference), { status: 'accepted', version: 'sha256:two', chunks: 7, error: undefined });
  const { rows } = await asTenant((client) => client.query<{ current_version: string }>('SELECT current_version FROM documents WHERE collection = $1', [collection]));
  assert.equal(rows[0]?.current_version, 'sha256:zero');
});

test('clearing a version returns the old one, restoring puts it back unless an upsert came in between', async () => {
  const reference = pending('x', 'x').reference;
  assert.deepEqual(await store.clearVersion(reference), { previousVersion: 'sha256:two' });
  assert.equal((await store.find(reference))?.version, null);
  assert.equal((await store.find(reference))?.status, 'accepted', 'the status waits for the pipeline');
  await store.restoreVersion(reference, 'sha256:two');
  assert.equal((await store.find(reference))?.version, 'sha256:two');
  await store.clearVersion(reference);
  await store.recordPending(pending('sha256:three', 'r3'));
  await store.restoreVersion(reference, 'sha256:two');
  assert.equal((await store.find(reference))?.version, 'sha256:three');
  assert.equal(await store.clearVersion({ ...reference, documentId: 'unknown' }), undefined);
});

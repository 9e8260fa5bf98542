import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Chunk, Embedding } from '@rivulet/schemas';
import { createPool, migrate, withTenant, type PoolClient } from '@rivulet/store';
import { createChunkStore } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const schema = `indexer_test_${randomBytes(4).toString('hex')}`;
const pool = createPool({ databaseUrl, schema, max: 12 });
const store = createChunkStore(pool);
const tenant = 'tenant-a';
/** The test's own reads and writes, as the tenant (row-level security shows nothing otherwise). */
const asTenant = <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => withTenant(pool, tenant, work);

before(() => migrate({ databaseUrl, schema }));
after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

const embedding = (seed: number): Embedding => {
  const vector = Array.from({ length: 8 }, (_, index) => Math.sin(seed * 7 + index));
  const norm = Math.hypot(...vector);
  return { modelId: 'test-model', modelVersion: 'v1', dimension: 8, vector: vector.map((value) => value / norm) };
};

const chunksOf = (documentId: string, version: string, count: number): Chunk[] =>
  Array.from({ length: count }, (_, index) => ({
    documentId, collection: 'default', documentVersion: version, chunkId: `${documentId}:${version}:${index}`, index, chunkCount: count,
    text: `chunk ${index} of ${version}`, startOffset: index * 10, endOffset: index * 10 + 9, contentHash: `sha256:${index}`, title: 'Doc', metadata: {},
  }));

/** What the ingress does when it accepts a version. */
const accept = (documentId: string, version: string | null) =>
  asTenant((client) => client.query(
    `INSERT INTO documents (tenant_id, collection, document_id, version, status) VALUES ($1, 'default', $2, $3, 'accepted')
     ON CONFLICT (tenant_id, collection, document_id) DO UPDATE SET version = EXCLUDED.version, status = 'accepted'`,
    [tenant, documentId, version],
  ));

/** What search can see: the searchable chunks table. */
const visible = async (documentId: string): Promise<string[]> =>
  (await asTenant((client) => client.query<{ v: string }>(`SELECT document_version || '/' || chunk_index AS v FROM chunks WHERE document_id = $1 ORDER BY 1`, [documentId]))).rows.map((row) => row.v);

const pending = async (documentId: string): Promise<number> =>
  (await asTenant((client) => client.query<{ count: number }>(`SELECT count(*)::int AS count FROM pending_chunks WHERE document_id = $1`, [documentId]))).rows[0]!.count;

test('a version becomes visible only when its last chunk is in, and the document is completed', async () => {
  await accept('doc-1', 'v1');
  const [first, second, third] = chunksOf('doc-1', 'v1', 3);
  assert.deepEqual(await store.index(tenant, first!, embedding(1)), { outcome: 'pending' });
  assert.deepEqual(await store.index(tenant, third!, embedding(3)), { outcome: 'pending' });
  assert.deepEqual(await visible('doc-1'), []);
  assert.deepEqual(await store.index(tenant, second!, embedding(2)), { outcome: 'completed', chunkCount: 3, active: true });
  assert.deepEqual(await visible('doc-1'), ['v1/0', 'v1/1', 'v1/2']);
  const { rows } = await asTenant((client) => client.query(`SELECT status, current_version, chunk_count FROM documents WHERE document_id = 'doc-1'`));
  assert.deepEqual(rows[0], { status: 'completed', current_version: 'v1', chunk_count: 3 });
});

test('a replacement never shows a mix: the old version stays until the new one is complete, then disappears', async () => {
  await accept('doc-2', 'v1');
  for (const chunk of chunksOf('doc-2', 'v1', 2)) await store.index(tenant, chunk, embedding(chunk.index));
  await accept('doc-2', 'v2');
  const replacement = chunksOf('doc-2', 'v2', 3);
  await store.index(tenant, replacement[0]!, embedding(10));
  await store.index(tenant, replacement[1]!, embedding(11));
  assert.deepEqual(await visible('doc-2'), ['v1/0', 'v1/1'], 'old version only while the new one is incomplete');
  await store.index(tenant, replacement[2]!, embedding(12));
  assert.deepEqual(await visible('doc-2'), ['v2/0', 'v2/1', 'v2/2'], 'new version only');
  const { rows } = await asTenant((client) => client.query(`SELECT count(*)::int AS count FROM chunks WHERE document_id = 'doc-2'`));
  assert.equal(rows[0].count, 3, 'the old rows are gone');
  assert.equal(await pending('doc-2'), 0, 'nothing left waiting');
});

test('chunks of a version superseded (or deleted) before it completed are dropped, never shown', async () => {
  await accept('doc-3', 'v1');
  for (const chunk of chunksOf('doc-3', 'v1', 2)) await store.index(tenant, chunk, embedding(chunk.index));
  await accept('doc-3', 'v3');
  const late = chunksOf('doc-3', 'v2', 2);
  assert.deepEqual(await store.index(tenant, late[0]!, embedding(20)), { outcome: 'stale' });
  assert.deepEqual(await store.index(tenant, late[1]!, embedding(21)), { outcome: 'stale' });
  assert.deepEqual(await visible('doc-3'), ['v1/0', 'v1/1']);
  const { rows } = await asTenant((client) => client.query(`SELECT count(*)::int AS count FROM chunks WHERE document_id = 'doc-3' AND document_version = 'v2'`));
  assert.equal(rows[0].count, 0);
  assert.equal(await pending('doc-3'), 0, 'the stale rows are dropped');
});

test('redelivered chunks change nothing, and racing the last chunks of a version completes it exactly once', async () => {
  await accept('doc-4', 'v1');
  const chunks = chunksOf('doc-4', 'v1', 20);
  const results = await Promise.all(chunks.map((chunk) => store.index(tenant, chunk, embedding(chunk.index))));
  assert.equal(results.filter((result) => result.outcome === 'completed').length, 1, 'one chunk completes the version');
  const again = await store.index(tenant, chunks[5]!, embedding(5));
  assert.equal(again.outcome, 'completed', 'a redelivery reports the completed version again');
  const { rows } = await asTenant((client) => client.query(`SELECT count(*)::int AS count FROM chunks WHERE document_id = 'doc-4'`));
  assert.equal(rows[0].count, 20, 'no duplicate rows');
  assert.equal(await pending('doc-4'), 0, 'a redelivery after completion leaves nothing pending');
  assert.equal((await visible('doc-4')).length, 20);
});

test('nearest-neighbour search uses the version\'s HNSW index over the model\'s dimension', async () => {
  await pool.query('SET enable_seqscan = off');
  const { rows } = await pool.query<{ plan: string }>(
    `EXPLAIN SELECT chunk_id FROM chunks WHERE index_version = 1 ORDER BY embedding::vector(8) <=> $1::vector(8) LIMIT 3`,
    [`[${embedding(1).vector.join(',')}]`],
  );
  await pool.query('RESET enable_seqscan');
  assert.match(rows.map((row) => Object.values(row).join('')).join('\n'), /chunks_embedding_v1/);
});

const otherModel = (seed: number): Embedding => ({ ...embedding(seed), modelVersion: 'v2' });
const versionIds = async () =>
  Object.fromEntries((await pool.query<{ model_version: string; id: number }>(`SELECT model_version, id FROM index_versions`)).rows.map((row) => [row.model_version, row.id]));

test('the index version\'s state is read in each transaction, not cached: after a switch the same store completes documents in the new version only', async () => {
  await accept('doc-5', 'v1');
  const [chunk] = chunksOf('doc-5', 'v1', 1);
  assert.deepEqual(await store.index(tenant, chunk!, otherModel(1)), { outcome: 'completed', chunkCount: 1, active: false }, 'a building version: shown, not completed');
  assert.deepEqual(await store.index(tenant, chunk!, embedding(1)), { outcome: 'completed', chunkCount: 1, active: true });
  const ids = await versionIds();
  await pool.query(`UPDATE index_versions SET state = 'retired' WHERE id = $1`, [ids.v1]);
  await pool.query(`UPDATE index_versions SET state = 'active' WHERE id = $1`, [ids.v2]);
  try {
    await accept('doc-6', 'v1');
    const [next] = chunksOf('doc-6', 'v1', 1);
    assert.deepEqual(await store.index(tenant, next!, embedding(2)), { outcome: 'completed', chunkCount: 1, active: false }, 'the old model\'s version is retired now');
    assert.equal((await asTenant((client) => client.query(`SELECT status FROM documents WHERE document_id = 'doc-6'`))).rows[0].status, 'accepted');
    assert.deepEqual(await store.index(tenant, next!, otherModel(2)), { outcome: 'completed', chunkCount: 1, active: true });
    assert.equal((await asTenant((client) => client.query(`SELECT status FROM documents WHERE document_id = 'doc-6'`))).rows[0].status, 'completed');
  } finally {
    await pool.query(`UPDATE index_versions SET state = 'retired' WHERE id = $1`, [ids.v2]);
    await pool.query(`UPDATE index_versions SET state = 'active' WHERE id = $1`, [ids.v1]);
  }
});

test('a dropped index version stores nothing: a late vector of its model is answered stale', async () => {
  const ids = await versionIds();
  await pool.query(`UPDATE index_versions SET state = 'dropped' WHERE id = $1`, [ids.v2]);
  await accept('doc-7', 'v1');
  const chunks = chunksOf('doc-7', 'v1', 2);
  assert.deepEqual(await store.index(tenant, chunks[0]!, otherModel(1)), { outcome: 'stale' });
  const { rows } = await asTenant((client) => client.query(`SELECT count(*)::int AS count FROM pending_chunks WHERE document_id = 'doc-7'`));
  assert.equal(rows[0].count, 0);
  await pool.query(`UPDATE index_versions SET state = 'building' WHERE id = $1`, [ids.v2]);
});

test('unindexed: what a re-index still has to embed for a version: current document versions it holds neither shown nor pending', async () => {
  const { v2 } = await versionIds();
  await accept('doc-8', 'v2');
  const [shown] = chunksOf('doc-5', 'v1', 1);
  const current = chunksOf('doc-8', 'v2', 2);
  await store.index(tenant, current[0]!, otherModel(8));
  const [superseded] = chunksOf('doc-8', 'v1', 1);
  const [unknown] = chunksOf('doc-none', 'v1', 1);
  const needed = await store.unindexed([shown!, current[0]!, current[1]!, superseded!, unknown!].map((chunk) => ({ tenantId: tenant, chunk })), v2!);
  assert.deepEqual(needed, [false, false, true, false, false], 'shown; pending; needed; not the current version; no document row');
  assert.deepEqual(await store.unindexed([{ tenantId: 'tenant-b', chunk: current[1]! }], v2!), [false], 'another tenant\'s document of that name does not exist');
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pgvector from 'pgvector';
import { createPool, withTenant, withTransaction, type Pool, type PoolClient } from '@rivulet/store';
import { nearestChunks, queries, RetrievalError, searchChunks, type SearchOptions } from '../src/index.js';
import { createChunkStore } from '@rivulet/worker-indexer';
import { createTestDatabase, databaseUrl, embedding, MODEL, near, randomSource, randomVector, type TestChunk } from './support/database.js';

/*
 * The corpus, all in one 384-dimensional space around a question vector q:
 * - tenant-a / default: 20 documents x 100 chunks = 2,000 rows. Even rows are French and close
 *   to q (cosine ~0.5-0.8); odd rows are English and unrelated (~0), except chunk 1 of each
 *   document: 20 rows tagged team=rare that point away from q (~-0.9). Chunk 3 of doc-0 is the
 *   planted answer (~0.98), in English.
 * - tenant-b / default: near-identical copies (same texts, vectors moved by 1%) of tenant-a's
 *   doc-0 and doc-1, and b-exact:0, which IS q: if tenant isolation failed, it would win.
 * - tenant-a / archive: archived:0, also exactly q.
 * - tenant-c / default: 2,000 unrelated rows. They make the table big enough (4,200 rows) that the
 *   planner prefers the HNSW index to a sequential scan at ef_search 100 on its own, as it does on
 *   any real corpus; below about 4,000 rows an exact scan is cheaper and it rightly takes that.
 */
const random = randomSource(20_251_126);
const q = randomVector(random);
const opposite = q.map((value) => -value);
const vectors = new Map<string, readonly number[]>();
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let indexVersion: number;

const corpusA = Array.from({ length: 20 }, (_, document) => ({
  documentId: `doc-${document}`,
  title: `Handbook ${document}`,
  chunks: Array.from({ length: 100 }, (_, index): TestChunk => {
    const planted = document === 0 && index === 3;
    const french = index % 2 === 0;
    const rare = index === 1;
    const vector = planted ? near(q, 0.2, random) : french ? near(q, 0.8 + random() * 0.8, random) : rare ? near(opposite, 0.5, random) : randomVector(random);
    const text = planted
      ? 'To rotate an API key, create a new key in the dashboard, deploy it everywhere the old one is used, then revoke the old key. Keys that leak must be revoked at once; the audit log shows which key made each request, so you can tell when the old one stopped being used and it is safe to delete it for good.'
      : `Section ${index} of handbook ${document}: ${french ? 'les clés et les comptes' : 'accounts and billing'}.`;
    return { text, vector, metadata: { lang: french ? 'fr' : 'en', team: rare ? 'rare' : 'common' } };
  }),
}));

before(async () => {
  database = await createTestDatabase();
  for (const document of corpusA) {
    await database.indexDocument('tenant-a', document);
    document.chunks.forEach((chunk, index) => vectors.set(`${document.documentId}:${index}`, chunk.vector));
  }
  for (const source of corpusA.slice(0, 2)) {
    await database.indexDocument('tenant-b', { documentId: `b-${source.documentId}`, title: source.title, chunks: source.chunks.map((chunk) => ({ ...chunk, vector: near(chunk.vector, 0.01, random) })) });
  }
  await database.indexDocument('tenant-b', { documentId: 'b-exact', chunks: [{ text: corpusA[0]!.chunks[3]!.text, vector: q, metadata: { lang: 'en', team: 'rare' } }] });
  await database.indexDocument('tenant-a', { documentId: 'archived', collection: 'archive', chunks: [{ text: 'Old key policy.', vector: q, metadata: { lang: 'en', team: 'rare' } }] });
  for (let document = 0; document < 20; document += 1) {
    await database.indexDocument('tenant-c', { documentId: `c-${document}`, chunks: Array.from({ length: 100 }, (_, index) => ({ text: `Filler ${index}.`, vector: randomVector(random), metadata: { lang: index % 2 ? 'en' : 'fr', team: 'common' } })) });
  }
  await database.pool.query('ANALYZE chunks');
  indexVersion = (await database.pool.query<{ id: number }>(`SELECT id FROM index_versions WHERE model_id = $1`, [MODEL.modelId])).rows[0]!.id;
});
after(() => database?.close());

const search = (options: Partial<SearchOptions> = {}, pool: Pool = database.pool) =>
  searchChunks(pool, { tenantId: 'tenant-a', collection: 'default', embedding: embedding(q), topK: 10, ...options });

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((sum, value, index) => sum + value * b[index]!, 0);

/**
 * The search's own SQL and HNSW settings in tenant-a's transaction, with or without the iterative scan:
 * its rows and its plan. `settings` are extra planner settings for the transaction.
 */
const runRaw = (filters: Record<string, string>, { iterative, settings = [] }: { iterative: boolean; settings?: string[] }) =>
  withTenant(database.pool, 'tenant-a', async (client) => {
    await client.query(queries.hnswSettings, ['100', '20000']);
    if (!iterative) await client.query('SET LOCAL hnsw.iterative_scan = off');
    for (const setting of settings) await client.query(`SET LOCAL ${setting}`);
    const values = [pgvector.toSql(q), 'tenant-a', 'default', JSON.stringify(filters), 10];
    const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${nearestChunks(indexVersion, MODEL.dimension)}`, values)).rows.map((row) => row['QUERY PLAN']).join('\n');
    const { rows } = await client.query<{ chunkId: string }>(nearestChunks(indexVersion, MODEL.dimension), values);
    return { plan, rows };
  });

/** Planner settings that leave the per-version HNSW index as the only sensible plan. */
const HNSW_ONLY = ['enable_seqscan = off', 'enable_bitmapscan = off', 'enable_sort = off'];

test('tenant isolation: another tenant\'s chunks never come back, even when they are nearer than all of ours', async () => {
  const { chunks } = await search();
  assert.equal(chunks.length, 10);
  assert.equal(chunks[0]!.chunkId, 'doc-0:3', 'our planted answer first');
  assert.ok(chunks.every((chunk) => chunk.documentId.startsWith('doc-')), chunks.map((chunk) => chunk.chunkId).join(', '));
  const other = await search({ tenantId: 'tenant-b' });
  assert.equal(other.chunks[0]!.chunkId, 'b-exact:0');
  assert.ok(other.chunks[0]!.score > 0.9999);
  assert.ok(other.chunks.every((chunk) => chunk.documentId.startsWith('b-')));
  assert.deepEqual((await search({ tenantId: 'tenant-nobody' })).chunks, []);
  const rare = await search({ filters: { team: 'rare' } }, forcedHnswPool());
  assert.ok(rare.chunks.every((chunk) => chunk.documentId.startsWith('doc-')), 'also on the iterative HNSW path');
});

test('row-level security: the search\'s SQL asking for tenant-a finds nothing in tenant-b\'s transaction, nor in one with no tenant', async () => {
  const nearest = (client: PoolClient) => client.query(nearestChunks(indexVersion, MODEL.dimension), [pgvector.toSql(q), 'tenant-a', 'default', '{}', 10]);
  assert.equal((await withTenant(database.pool, 'tenant-a', nearest)).rows.length, 10, 'its own tenant: found');
  assert.deepEqual((await withTenant(database.pool, 'tenant-b', nearest)).rows, []);
  assert.deepEqual((await withTransaction(database.pool, nearest)).rows, []);
});

test('collection and metadata filters: only matching chunks, and every filter pair must match', async () => {
  const archive = await search({ collection: 'archive' });
  assert.deepEqual(archive.chunks.map((chunk) => chunk.chunkId), ['archived:0']);
  const english = await search({ filters: { lang: 'en' } });
  assert.equal(english.chunks.length, 10);
  assert.ok(english.chunks.every((chunk) => chunk.metadata.lang === 'en'));
  assert.equal(english.chunks[0]!.chunkId, 'doc-0:3');
  const both = await search({ filters: { lang: 'en', team: 'rare' } });
  assert.equal(both.chunks.length, 10);
  assert.ok(both.chunks.every((chunk) => chunk.metadata.team === 'rare' && chunk.metadata.lang === 'en'));
  assert.deepEqual((await search({ filters: { lang: 'fr', team: 'rare' } })).chunks, []);
  assert.deepEqual((await search({ filters: { lang: 'de' } })).chunks, []);
});

let forced: Pool | undefined;
/**
 * The test pool as searchChunks sees it, except that every session it hands out cannot plan the
 * search any other way than through the HNSW index.
 */
const forcedHnswPool = (): Pool => {
  forced ??= createPool({ databaseUrl, schema: database.schema, max: 2 });
  const pool = forced;
  const connect = async (): Promise<PoolClient> => {
    const client = await pool.connect();
    await client.query(HNSW_ONLY.map((setting) => `SET ${setting};`).join(' '));
    return client;
  };
  // What searchChunks uses of a pool: query (index version lookup) and connect (its transaction).
  return { query: pool.query.bind(pool), connect } as unknown as Pool;
};
after(() => forced?.end());

test('a filter matching 20 of 2,000 chunks still gets k=10 on the HNSW index (iterative scan); without it, it would get fewer', async (context) => {
  const withIterative = await runRaw({ team: 'rare' }, { iterative: true, settings: HNSW_ONLY });
  assert.match(withIterative.plan, new RegExp(`Index Scan using chunks_embedding_v${indexVersion} on chunks`), withIterative.plan);
  const withoutIterative = await runRaw({ team: 'rare' }, { iterative: false, settings: HNSW_ONLY });
  assert.match(withoutIterative.plan, new RegExp(`chunks_embedding_v${indexVersion}`));
  assert.ok(withoutIterative.rows.length < 10, `without the iterative scan the same plan finds ${withoutIterative.rows.length} rows: the test would mean nothing otherwise`);
  assert.equal(withIterative.rows.length, 10);
  context.diagnostic(`team=rare through HNSW: ${withoutIterative.rows.length} rows without the iterative scan, ${withIterative.rows.length} with it`);
  // searchChunks itself, on a session whose planner can only take that path.
  const { chunks } = await search({ filters: { team: 'rare' } }, forcedHnswPool());
  assert.equal(chunks.length, 10);
  assert.ok(chunks.every((chunk) => chunk.metadata.team === 'rare'));
});

// Row-level security on chunks hides column statistics from jsonb @> (not leakproof): the planner
// estimates any metadata filter at 1% of the rows, so on a collection this small it takes an exact
// scan of it by itself, however broad the filter (docs/decisions/0011-tenant-isolation.md). On a
// large one it takes the HNSW index, where only the iterative scan keeps k.
test('a filter that is broad (half the rows) but whose matches are far from the question still gets k, on the HNSW index and with the planner left alone', async (context) => {
  const withIterative = await runRaw({ lang: 'en' }, { iterative: true, settings: HNSW_ONLY });
  assert.match(withIterative.plan, new RegExp(`Index Scan using chunks_embedding_v${indexVersion} on chunks`), withIterative.plan);
  const withoutIterative = await runRaw({ lang: 'en' }, { iterative: false, settings: HNSW_ONLY });
  assert.ok(withoutIterative.rows.length < 10, `without the iterative scan: ${withoutIterative.rows.length} rows`);
  assert.equal(withIterative.rows.length, 10);
  context.diagnostic(`lang=en through HNSW: ${withoutIterative.rows.length} rows without the iterative scan`);
  const { chunks } = await search({ filters: { lang: 'en' } });
  assert.equal(chunks.length, 10);
  assert.equal(chunks[0]!.chunkId, 'doc-0:3', 'the planted answer (English) first');
  assert.ok(chunks.every((chunk) => chunk.metadata.lang === 'en'));
});

test('the unfiltered search goes through the version\'s HNSW index', async () => {
  const { plan } = await runRaw({}, { iterative: true });
  assert.match(plan, new RegExp(`Index Scan using chunks_embedding_v${indexVersion} on chunks`), plan);
  assert.match(plan, /Order By: \(\(embedding\)::vector\(384\) <=>/);
});

test('best first, score = cosine similarity in [-1, 1], snippet and content from the chunk', async () => {
  const { indexVersion: searched, chunks } = await search({ topK: 20 });
  assert.equal(searched, indexVersion);
  assert.equal(chunks.length, 20);
  for (let index = 1; index < chunks.length; index += 1) assert.ok(chunks[index - 1]!.score >= chunks[index]!.score, `sorted at ${index}`);
  for (const chunk of chunks) assert.ok(Math.abs(chunk.score - dot(q, vectors.get(chunk.chunkId)!)) < 1e-4, `${chunk.chunkId} scores its cosine similarity`);
  const [best] = chunks;
  assert.ok(best!.score > 0.95 && best!.score <= 1);
  assert.equal(best!.title, 'Handbook 0');
  assert.equal(best!.content, corpusA[0]!.chunks[3]!.text);
  assert.ok(best!.snippet.endsWith('…') && best!.snippet.length <= 241 && best!.content.startsWith(best!.snippet.slice(0, -1)));
  assert.deepEqual(best!.metadata, { lang: 'en', team: 'common' });

  const rare = await search({ filters: { team: 'rare' }, topK: 20 });
  assert.equal(rare.chunks.length, 20, 'all 20 rare chunks');
  assert.ok(rare.chunks.every((chunk) => chunk.score < -0.5 && chunk.score >= -1), 'opposite chunks score below zero, never below -1');
  for (let index = 1; index < rare.chunks.length; index += 1) assert.ok(rare.chunks[index - 1]!.score >= rare.chunks[index]!.score);
  assert.deepEqual((await search({ filters: { team: 'rare' }, minScore: 0 })).chunks, [], 'minScore cuts them');
});

test('topK is clamped to 1..50', async () => {
  assert.equal((await search({ topK: 500 })).chunks.length, 50);
  assert.equal((await search({ topK: 0 })).chunks.length, 1);
});

test('no active index version for the question\'s model: no chunks, and the result says so', async () => {
  assert.deepEqual(await search({ embedding: { ...embedding(q), modelVersion: 'v2' } }), { indexVersion: null, chunks: [] });
  const small = { ...MODEL, dimension: 8, vector: randomVector(random, 8) };
  assert.deepEqual(await search({ embedding: small }), { indexVersion: null, chunks: [] }, 'same model, other dimension');
});

test('a malformed embedding is refused for good before any SQL', async () => {
  const refused = (error: unknown) => error instanceof RetrievalError && error.code === 'invalid_query' && !error.retriable;
  await assert.rejects(search({ embedding: { ...embedding(q), vector: q.slice(1) } }), refused);
  await assert.rejects(search({ embedding: { ...embedding(q), vector: q.map((value, index) => (index === 0 ? Number.NaN : value)) } }), refused);
});

test('a re-index: a building version is never searched; after the switch each question reads the version of its own model, the new one active or the old one retired, never both', async () => {
  // A second model of another dimension; 'archived' (1 chunk, tenant-a/archive) indexed with it too.
  const other = { modelId: MODEL.modelId, modelVersion: 'v2', dimension: 8 };
  const q8 = randomVector(random, 8);
  await createChunkStore(database.pool).index('tenant-a', {
    documentId: 'archived', collection: 'archive', documentVersion: 'sha256:archived', chunkId: 'archived:0', index: 0, chunkCount: 1,
    text: 'Old key policy (model v2).', startOffset: 0, endOffset: 10, contentHash: 'sha256:archived:0', title: null, metadata: {},
  }, { ...other, vector: q8 });
  const inArchive = (vector: readonly number[], model: typeof other | typeof MODEL) =>
    search({ collection: 'archive', embedding: { ...model, vector: [...vector] } });
  assert.deepEqual(await inArchive(q8, other), { indexVersion: null, chunks: [] }, 'building: not searched');
  const v2 = (await database.pool.query<{ id: number }>(`SELECT id FROM index_versions WHERE model_version = 'v2'`)).rows[0]!.id;
  const switchTo = (id: number) => withTransaction(database.pool, async (client) => {
    await client.query(`UPDATE index_versions SET state = 'retired', retired_at = now() WHERE state = 'active'`);
    await client.query(`UPDATE index_versions SET state = 'active', retired_at = NULL WHERE id = $1`, [id]);
  });
  await switchTo(v2);
  try {
    const fresh = await inArchive(q8, other);
    assert.equal(fresh.indexVersion, v2);
    assert.deepEqual(fresh.chunks.map((chunk) => [chunk.chunkId, chunk.content]), [['archived:0', 'Old key policy (model v2).']]);
    const late = await inArchive(q, MODEL);
    assert.equal(late.indexVersion, indexVersion, 'a question embedded with the old model still reads the retired version');
    assert.deepEqual(late.chunks.map((chunk) => [chunk.chunkId, chunk.content]), [['archived:0', 'Old key policy.']]);
    await database.pool.query(`UPDATE index_versions SET retired_at = now() - interval '11 minutes' WHERE id = $1`, [indexVersion]);
    assert.deepEqual(await inArchive(q, MODEL), { indexVersion: null, chunks: [] }, 'retired longer ago than the window: no longer searched');
    await database.pool.query(`UPDATE index_versions SET retired_at = now() - interval '1 minute' WHERE id = $1`, [indexVersion]);
    const third = (await database.pool.query<{ id: number }>(
      `INSERT INTO index_versions (model_id, model_version, dimension, state, retired_at) VALUES ($1, 'v0', 4, 'retired', now()) RETURNING id`, [MODEL.modelId])).rows[0]!.id;
    try {
      assert.deepEqual(await inArchive(q, MODEL), { indexVersion: null, chunks: [] }, 'only the version retired last is searched');
    } finally {
      await database.pool.query(`DELETE FROM index_versions WHERE id = $1`, [third]);
    }
    assert.equal((await inArchive(q, MODEL)).indexVersion, indexVersion, 'back to the last retired, within the window');
    await database.pool.query(`UPDATE index_versions SET state = 'dropped' WHERE id = $1`, [indexVersion]);
    assert.deepEqual(await inArchive(q, MODEL), { indexVersion: null, chunks: [] }, 'dropped: never searched');
  } finally {
    await database.pool.query(`UPDATE index_versions SET state = 'retired' WHERE id = $1`, [indexVersion]);
    await switchTo(indexVersion);
    await database.pool.query(`UPDATE index_versions SET state = 'building' WHERE id = $1`, [v2]);
  }
});

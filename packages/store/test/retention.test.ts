import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPool, deleteExpiredConversations, eraseTenant, insertUserMessage, migrate, recordUsage, withAllTenants, withTenant } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const schema = `retention_test_${randomBytes(4).toString('hex')}`;
const pool = createPool({ databaseUrl, schema, max: 4 });
const TABLES = ['documents', 'chunks', 'pending_chunks', 'conversations', 'messages', 'usage_records', 'usage_daily'] as const;
const DAY = 86_400_000;
const now = Date.now();

/** A conversation of `userId` with one question at `at`. */
const conversation = (tenantId: string, id: string, userId: string, at: number) =>
  insertUserMessage(pool, { tenantId, conversationId: id, requestId: `${id}-r1`, content: 'question', createdAt: at, userId, model: 'auto' });

/** A document with `chunks` searchable chunks and one pending chunk of a next version; its bytes under `version`. */
const insertDocument = async (tenantId: string, documentId: string, version: string, chunks: number) => {
  await pool.query(`INSERT INTO document_blobs (content_hash, content, size_bytes) VALUES ($1, 'bytes', 5) ON CONFLICT DO NOTHING`, [version]);
  await withTenant(pool, tenantId, async (client) => {
    await client.query(`INSERT INTO documents (tenant_id, collection, document_id, version, status, chunk_count) VALUES ($1, 'default', $2, $3, 'completed', $4)`, [tenantId, documentId, version, chunks]);
    for (const [table, index] of [...Array.from({ length: chunks }, (_, index) => ['chunks', index] as const), ['pending_chunks', chunks] as const]) {
      await client.query(
        `INSERT INTO ${table} (tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count, text,
                               start_offset, end_offset, content_hash, embedding, model_id, model_version)
         SELECT $1, 'default', $2, $3, $4::int, id, $2 || ':' || $4::int, $4::int + 1, 'text', 0, 4, 'sha256:x', '[1,0,0]', model_id, model_version FROM index_versions`,
        [tenantId, documentId, version, index],
      );
    }
  });
};

const usage = (tenantId: string) => recordUsage(pool, {
  tenantId, requestId: 'r1', attemptId: 'a1', apiKeyId: 'key-1', requestedModel: 'auto', model: 'm', provider: 'local', servedBy: ['local'],
  inputTokens: 1, outputTokens: 1, costUsd: null, latencyMs: 5, outcome: 'done', errorCode: null, occurredAt: now,
});

/** Rows of each tenant table for `tenantId`, seen through the bypass (so RLS cannot hide a leftover). */
const counts = (tenantId: string): Promise<Record<string, number>> => withAllTenants(pool, 'test: count rows', async (client) => {
  const seen: Record<string, number> = {};
  for (const table of TABLES) seen[table] = (await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0]!.count;
  return seen;
});

const conversationIds = (tenantId: string): Promise<string[]> => withTenant(pool, tenantId, async (client) =>
  (await client.query<{ id: string }>('SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id', [tenantId])).rows.map(({ id }) => id));

before(async () => {
  await migrate({ databaseUrl, schema });
  await pool.query(`INSERT INTO index_versions (model_id, model_version, dimension, state) VALUES ('model', 'v1', 3, 'active')`);
});
after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

test('deleteExpiredConversations removes, across tenants and in batches, only conversations last updated before the cut-off', async () => {
  for (const tenantId of ['exp-a', 'exp-b']) {
    for (let index = 0; index < 3; index += 1) await conversation(tenantId, `old-${index}`, 'u1', now - 40 * DAY);
    await conversation(tenantId, 'recent', 'u1', now - DAY);
    // Started long ago, active since: updated_at is its last message, so it stays.
    await conversation(tenantId, 'revived', 'u1', now - 90 * DAY);
    await insertUserMessage(pool, { tenantId, conversationId: 'revived', requestId: 'revived-r2', content: 'again', createdAt: now - 2 * DAY, userId: 'u1' });
  }
  const olderThan = new Date(now - 30 * DAY);
  assert.deepEqual(await deleteExpiredConversations(pool, { olderThan, dryRun: true }), { outcome: 'done', conversations: 6, messages: 6, batches: 0 });
  assert.deepEqual(await conversationIds('exp-a'), ['old-0', 'old-1', 'old-2', 'recent', 'revived'], 'a dry run deletes nothing');
  assert.deepEqual(await deleteExpiredConversations(pool, { olderThan, batchSize: 4 }), { outcome: 'done', conversations: 6, messages: 6, batches: 2 });
  for (const tenantId of ['exp-a', 'exp-b']) {
    assert.deepEqual(await conversationIds(tenantId), ['recent', 'revived'], tenantId);
    assert.equal((await counts(tenantId)).messages, 3, `${tenantId}: the messages of kept conversations stay`);
  }
  assert.deepEqual(await deleteExpiredConversations(pool, { olderThan }), { outcome: 'done', conversations: 0, messages: 0, batches: 1 });
  await assert.rejects(deleteExpiredConversations(pool, { olderThan: new Date(Number.NaN) }), TypeError);
});

test('eraseTenant with a user removes only that user\'s conversations and messages of that tenant', async () => {
  for (const tenantId of ['user-a', 'user-b']) {
    await conversation(tenantId, 'c-alice', 'alice', now);
    await conversation(tenantId, 'c-bob', 'bob', now);
    await insertDocument(tenantId, 'doc', `sha256:${tenantId}`, 1);
  }
  assert.deepEqual(await eraseTenant(pool, { tenantId: 'user-a', userId: 'alice', dryRun: true }), { rows: { messages: 1, conversations: 1 }, documents: [] });
  assert.deepEqual(await conversationIds('user-a'), ['c-alice', 'c-bob']);
  assert.deepEqual(await eraseTenant(pool, { tenantId: 'user-a', userId: 'alice' }), { rows: { messages: 1, conversations: 1 }, documents: [] });
  assert.deepEqual(await conversationIds('user-a'), ['c-bob']);
  assert.deepEqual(await conversationIds('user-b'), ['c-alice', 'c-bob'], 'the other tenant\'s user of the same name keeps hers');
  assert.equal((await counts('user-a')).documents, 1, 'documents are the tenant\'s, not the user\'s');
});

test('eraseTenant removes every tenant table\'s rows and the unshared document bytes, lists the documents, and leaves another tenant alone', async () => {
  for (const tenantId of ['erase-a', 'erase-b']) {
    await conversation(tenantId, 'c1', 'u1', now);
    await usage(tenantId);
    await insertDocument(tenantId, 'shared', 'sha256:shared-bytes', 1);
  }
  await insertDocument('erase-a', 'own', 'sha256:own-bytes', 2);
  const expected = {
    rows: { messages: 1, conversations: 1, pending_chunks: 2, chunks: 3, documents: 2, usage_records: 1, usage_daily: 1, document_blobs: 1 },
    documents: [{ collection: 'default', documentId: 'own', chunkCount: 3 }, { collection: 'default', documentId: 'shared', chunkCount: 2 }],
  };
  assert.deepEqual(await eraseTenant(pool, { tenantId: 'erase-a', dryRun: true }), expected);
  assert.equal((await counts('erase-a')).chunks, 3, 'a dry run deletes nothing');
  const before = await counts('erase-b');
  assert.deepEqual(await eraseTenant(pool, { tenantId: 'erase-a' }), expected);
  assert.deepEqual(await counts('erase-a'), Object.fromEntries(TABLES.map((table) => [table, 0])));
  assert.deepEqual(await counts('erase-b'), before, 'row-level security: the other tenant is untouched');
  const blobs = (await pool.query<{ content_hash: string }>('SELECT content_hash FROM document_blobs WHERE content_hash LIKE $1 ORDER BY 1', ['sha256:%-bytes'])).rows;
  assert.deepEqual(blobs.map(({ content_hash }) => content_hash), ['sha256:shared-bytes'], 'bytes another tenant still uses stay');
  assert.deepEqual(await eraseTenant(pool, { tenantId: 'erase-a' }), { rows: { messages: 0, conversations: 0, pending_chunks: 0, chunks: 0, documents: 0, usage_records: 0, usage_daily: 0, document_blobs: 0 }, documents: [] });
});

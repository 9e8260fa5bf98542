// `rivulet cleanup` and `rivulet erase` as an operator runs them: the built commands against the
// shared database (tenants of this run's own) and Kafka (topics of this run's own prefix).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createKafkaClient, deleteTopics, ensureTopics, readTopicOnce, silentLogger } from '@rivulet/kafka';
import { chunkKey, documentKey, TOPICS } from '@rivulet/schemas';
import { CONVERSATION_CLEANUP_LOCK, createPool, insertUserMessage, migrate, recordUsage, withAllTenants, withTenant } from '@rivulet/store';
import { topicDefinitions } from '../src/topics.js';
import { runCli } from './support/cli.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = randomBytes(4).toString('hex');
const prefix = `cleanup-test-${run}.`;
const [A, B] = [`cleanup-test-${run}-a`, `cleanup-test-${run}-b`];
const pool = createPool({ databaseUrl, max: 3 });
const kafka = createKafkaClient({ brokers, clientId: 'rivulet-cleanup-test', logger: silentLogger });
const COMPACTED = [TOPICS.documents, TOPICS.documentsIndexed, TOPICS.chunks, TOPICS.chunksEmbedded] as const;
const TABLES = ['documents', 'chunks', 'pending_chunks', 'conversations', 'messages', 'usage_records', 'usage_daily'] as const;
const DAY = 86_400_000;
// The shared database holds other people's conversations: the cut-off is far enough in the past that only this test's are older.
const ANCIENT = Date.now() - 3650 * DAY;

const rivulet = (args: string[]) => runCli(args, { env: { DATABASE_URL: databaseUrl, KAFKA_TOPIC_PREFIX: prefix, KAFKA_BROKERS: brokers.join(',') } });

const conversation = (tenantId: string, id: string, userId: string, at: number) =>
  insertUserMessage(pool, { tenantId, conversationId: id, requestId: `${id}-r1`, content: 'question', createdAt: at, userId, model: 'auto' });

const conversationIds = (tenantId: string): Promise<string[]> => withTenant(pool, tenantId, async (client) =>
  (await client.query<{ id: string }>('SELECT id FROM conversations WHERE tenant_id = $1 ORDER BY id', [tenantId])).rows.map(({ id }) => id));

const counts = (tenantId: string): Promise<Record<string, number>> => withAllTenants(pool, 'test: count rows', async (client) => {
  const seen: Record<string, number> = {};
  for (const table of TABLES) seen[table] = (await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0]!.count;
  return seen;
});

/** Records of a topic of this run whose value is null, by key. */
const tombstoneKeys = async (topic: string): Promise<string[]> => {
  const keys: string[] = [];
  await readTopicOnce({ kafka, topic: prefix + topic, groupPrefix: prefix, onRecord: ({ key, value }) => void (value === null && keys.push(key!.toString('utf8'))) });
  return keys.sort();
};

/** An index version of this run's own: a fresh database has none before a worker starts. */
let indexVersion = 0;

before(async () => {
  await migrate({ databaseUrl });
  indexVersion = (await pool.query<{ id: number }>(
    `INSERT INTO index_versions (model_id, model_version, dimension, state) VALUES ($1, 'v1', 3, 'retired') RETURNING id`, [`cleanup-test-${run}`],
  )).rows[0]!.id;
  await ensureTopics(kafka, topicDefinitions().filter(({ name }) => (COMPACTED as readonly string[]).includes(name)), { prefix });
  for (const tenantId of [A, B]) {
    await conversation(tenantId, 'ancient', 'u1', ANCIENT);
    await conversation(tenantId, 'kept', 'u1', ANCIENT + 10 * DAY);
    await conversation(tenantId, 'alice-1', 'alice', Date.now());
    await conversation(tenantId, 'bob-1', 'bob', Date.now());
    await recordUsage(pool, {
      tenantId, requestId: 'r1', attemptId: 'a1', apiKeyId: 'key-1', requestedModel: 'auto', model: 'm', provider: 'local', servedBy: ['local'],
      inputTokens: 1, outputTokens: 1, costUsd: null, latencyMs: 5, outcome: 'done', errorCode: null, occurredAt: Date.now(),
    });
    await withTenant(pool, tenantId, async (client) => {
      await client.query(`INSERT INTO documents (tenant_id, collection, document_id, version, status, chunk_count) VALUES ($1, 'notes', 'doc/1', 'sha256:${run}', 'completed', 2)`, [tenantId]);
      for (const index of [0, 1]) {
        await client.query(
          `INSERT INTO chunks (tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count, text,
                               start_offset, end_offset, content_hash, embedding, model_id, model_version)
           SELECT $1, 'notes', 'doc/1', 'sha256:${run}', $2::int, id, 'doc/1:' || $2::int, 2, 'text', 0, 4, 'sha256:x',
                  array_fill(0.1::real, ARRAY[dimension])::vector, model_id, model_version
             FROM index_versions WHERE id = $3`,
          [tenantId, index, indexVersion],
        );
      }
    });
  }
});

after(async () => {
  for (const tenantId of [A, B]) {
    await withTenant(pool, tenantId, async (client) => {
      for (const table of TABLES) await client.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
    });
  }
  await pool.query('DELETE FROM index_versions WHERE id = $1', [indexVersion]);
  await pool.end();
  await deleteTopics(kafka, COMPACTED.map((topic) => prefix + topic));
});

test('cleanup: --dry-run counts, then only conversations older than the cut-off go, in every tenant', async () => {
  const olderThan = `${3645}d`;
  const dry = await rivulet(['cleanup', '--older-than', olderThan, '--dry-run', '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(JSON.parse(dry.stdout).rows, { conversations: 2, messages: 2 });
  assert.deepEqual(await conversationIds(A), ['alice-1', 'ancient', 'bob-1', 'kept']);

  const done = await rivulet(['cleanup', '--older-than', olderThan]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /conversations\s+2\n/);
  assert.match(done.stdout, /messages\s+2\n/);
  for (const tenantId of [A, B]) assert.deepEqual(await conversationIds(tenantId), ['alice-1', 'bob-1', 'kept'], tenantId);

  const bad = await rivulet(['cleanup', '--older-than', '30']);
  assert.equal(bad.code, 2, 'a duration without a unit is a usage error');
  assert.match(bad.stderr, /duration/);
});

test('cleanup waits while another round (a persistence worker\'s) holds the cleanup lock, then runs', async () => {
  await conversation(A, 'ancient-2', 'u1', ANCIENT);
  const holder = await pool.connect();
  try {
    await holder.query(`SELECT pg_advisory_lock(hashtext($1 || ':' || current_schema()))`, [CONVERSATION_CLEANUP_LOCK]);
    const started = Date.now();
    const running = rivulet(['cleanup', '--older-than', '3645d', '--json']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok((await conversationIds(A)).includes('ancient-2'), 'nothing deleted while the lock is held');
    await holder.query(`SELECT pg_advisory_unlock(hashtext($1 || ':' || current_schema()))`, [CONVERSATION_CLEANUP_LOCK]);
    const done = await running;
    assert.equal(done.code, 0, done.stderr);
    assert.ok(Date.now() - started >= 1500);
    const report = JSON.parse(done.stdout) as { outcome: string; rows: { conversations: number } };
    assert.equal(report.outcome, 'done');
    assert.ok(report.rows.conversations >= 1);
    assert.ok(!(await conversationIds(A)).includes('ancient-2'));
  } finally {
    holder.release();
  }
});

test('erase --user: only that user\'s conversations of that tenant', async () => {
  const result = await rivulet(['erase', '--tenant', A, '--user', 'alice', '--yes', '--json']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { tenantId: A, userId: 'alice', dryRun: false, rows: { messages: 1, conversations: 1 }, documents: [], tombstones: 0, cache: 0 });
  assert.deepEqual(await conversationIds(A), ['bob-1', 'kept']);
  assert.deepEqual(await conversationIds(B), ['alice-1', 'bob-1', 'kept'], 'the same user name in another tenant is untouched');
  assert.equal((await counts(A)).documents, 1);
});

test('erase --tenant: refuses without --yes off a terminal; then removes everything of the tenant, tombstones its keys, leaves the other tenant alone', async () => {
  const refused = await rivulet(['erase', '--tenant', A]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--yes/);
  assert.equal((await counts(A)).chunks, 2, 'nothing removed without --yes');

  const before = await counts(B);
  const result = await rivulet(['erase', '--tenant', A, '--yes']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /postgres chunks\s+2\n/);
  assert.match(result.stdout, /kafka tombstones.*\s6\n/);
  assert.match(result.stdout, /Redis embedding cache: nothing to erase/);
  assert.deepEqual(await counts(A), Object.fromEntries(TABLES.map((table) => [table, 0])));
  assert.deepEqual(await counts(B), before, 'the other tenant is untouched');

  const reference = { tenantId: A, collection: 'notes', documentId: 'doc/1' };
  assert.deepEqual(await tombstoneKeys(TOPICS.documents), [documentKey(reference)]);
  assert.deepEqual(await tombstoneKeys(TOPICS.documentsIndexed), [documentKey(reference)]);
  assert.deepEqual(await tombstoneKeys(TOPICS.chunks), [chunkKey(reference, 0), chunkKey(reference, 1)]);
  assert.deepEqual(await tombstoneKeys(TOPICS.chunksEmbedded), [chunkKey(reference, 0), chunkKey(reference, 1)]);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '@rivulet/config';
import { TOPICS } from '@rivulet/schemas';
import { createService, type Service } from '@rivulet/service';
import { createTopicSandbox, testEnvironment as environment, waitFor, type TopicSandbox } from '@rivulet/testing';
import { createRetrievalHandler, RETRIEVAL_GROUP, retrievalConfigSchema, searchChunks } from '../src/index.js';
import { createTestDatabase, embedding, near, randomSource, randomVector } from './support/database.js';
import { chatRequest, queryEmbedded } from './support/requests.js';

/*
 * The retrieval worker on the real broker, registry and database: the handler wired to the
 * service's consumer and producer as main.ts wires it (main.ts itself migrates the public schema,
 * which a test must not do), reading a prefixed queries-embedded topic.
 */
const random = randomSource(7);
const question = randomVector(random);
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sandbox: TopicSandbox;
let service: Service;

before(async () => {
  database = await createTestDatabase();
  await database.indexDocument('tenant-a', {
    documentId: 'keys', title: 'Keys', chunks: [
      { text: 'Rotate keys from the dashboard.', vector: near(question, 0.1, random) },
      { text: 'Revoke a leaked key at once.', vector: near(question, 0.6, random) },
      { text: 'Invoices are monthly.', vector: randomVector(random) },
    ],
  });
  sandbox = await createTopicSandbox({ partitions: 3 });
  const config = loadConfig(retrievalConfigSchema, { LOG_LEVEL: 'silent', KAFKA_BROKERS: environment.brokers.join(','), SCHEMA_REGISTRY_URL: environment.registryUrl, KAFKA_TOPIC_PREFIX: sandbox.prefix });
  service = createService('retrieval', config, { exit: () => undefined });
  const handler = createRetrievalHandler({
    search: (query) => searchChunks(database.pool, { ...query, efSearch: config.RETRIEVAL_EF_SEARCH, maxScanTuples: config.RETRIEVAL_MAX_SCAN_TUPLES, minScore: config.RETRIEVAL_MIN_SCORE }),
  });
  await service.worker({ groupId: RETRIEVAL_GROUP, topics: [TOPICS.queriesEmbedded], eventTypes: ['query-embedded'], handler }).start();
});
after(async () => {
  await service?.stop();
  await sandbox?.close();
  await database?.close();
});

test('chat questions come out as context-retrieved; searches as reply-end on the partition their ingress reads', { timeout: 120_000 }, async () => {
  const contexts = await sandbox.collect(TOPICS.contextsRetrieved, ['context-retrieved']);
  const replies = await sandbox.collect(TOPICS.replies, ['reply-end']);
  const chat = chatRequest({ topK: 2 });
  const plain = chatRequest({ rag: false });
  // Several searches to every partition: the key's hash would spread them, the route must not.
  const searches = [2, 1, 2, 0, 1].map((partition) => chatRequest({ kind: 'search', topK: 3, replyRoute: { ingressInstanceId: `ingress-${partition}`, partition } }));
  await sandbox.send([
    ...[queryEmbedded(chat, embedding(question)), queryEmbedded(plain, null), ...searches.map((request) => queryEmbedded(request, embedding(question)))].map((event) => ({
      topic: TOPICS.queriesEmbedded, type: 'query-embedded' as const, key: event.payload.request.conversationId, value: event,
    })),
  ]);
  await waitFor(() => contexts.length >= 2 && replies.length >= searches.length, { description: 'two contexts and five search replies' });

  const context = contexts.find(({ event }) => event.payload.request.requestId === chat.requestId);
  assert.ok(context);
  assert.equal(context.key, chat.conversationId);
  assert.deepEqual(context.event.payload.chunks.map((chunk) => chunk.chunkId), ['keys:0', 'keys:1']);
  assert.equal(context.event.payload.chunks[0]!.content, 'Rotate keys from the dashboard.');
  assert.deepEqual(contexts.find(({ event }) => event.payload.request.requestId === plain.requestId)?.event.payload.chunks, []);

  for (const request of searches) {
    const reply = replies.find(({ event }) => event.payload.requestId === request.requestId);
    assert.ok(reply, `a reply for ${request.requestId}`);
    assert.equal(reply.partition, request.replyRoute.partition, 'produced to the route\'s partition');
    assert.equal(reply.key, request.requestId);
    assert.equal(reply.event.payload.kind, 'search');
    assert.equal(reply.event.payload.status, 'done');
    // topK 3, but the third chunk (a random direction, cosine ~0) is below the default RETRIEVAL_MIN_SCORE.
    assert.deepEqual(reply.event.payload.sources.map((source) => [source.n, source.chunkId]), [[1, 'keys:0'], [2, 'keys:1']]);
  }
  assert.equal(contexts.length, 2);
  assert.equal(replies.length, searches.length);
});

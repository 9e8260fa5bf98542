// The persistence worker on the real Kafka, schema registry and PostgreSQL: topics and group of
// its own (KAFKA_TOPIC_PREFIX), tables in a schema of its own, its consumer built by main.ts's
// persistenceWorkerOptions.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { loadConfig } from '@rivulet/config';
import { deleteTopics, ensureTopics, type AnyOutgoingEvent } from '@rivulet/kafka';
import { TOPIC_SPECS, TOPICS, topicConfig, type EventRecords, type MessagePersisted, type Source } from '@rivulet/schemas';
import { createService } from '@rivulet/service';
import { conversationExists, createPool, listMessages, migrate, usageByDay, withTenant, type Pool } from '@rivulet/store';
import { waitFor } from '@rivulet/testing';
import { persistenceConfigSchema, persistenceWorkerOptions, usageWorkerOptions, PERSISTENCE_GROUP, USAGE_GROUP } from '../src/index.js';

const hex = (): string => randomBytes(4).toString('hex');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const prefix = `persistence-test-${hex()}.`;
const config = loadConfig(persistenceConfigSchema, {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  DATABASE_URL: databaseUrl, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  KAFKA_SESSION_TIMEOUT: '6s', KAFKA_HEARTBEAT_INTERVAL: '1s',
});
const service = createService('persistence-test', config, { exit: () => undefined });
const topics = [TOPICS.chatRequests, TOPICS.replies, TOPICS.messagesPersisted, TOPICS.usage, TOPICS.deadLetter];
const schemas: string[] = [];
const pools: Pool[] = [];
const persisted: MessagePersisted[] = [];
const deadLetters: unknown[] = [];
const collector = service.kafka.consumer({ groupId: `${prefix}collector` });

/** A PostgreSQL schema of its own, migrated, and a pool on it. */
const database = async (): Promise<Pool> => {
  const schema = `persistence_test_${hex()}`;
  schemas.push(schema);
  await migrate({ databaseUrl, schema });
  const pool = createPool({ databaseUrl, schema, max: 4 });
  pools.push(pool);
  return pool;
};

/** Whether the group has committed every event published so far on `topic`. */
const caughtUpTopic = async (groupId: string, topicName: string): Promise<boolean> => {
  const admin = service.kafka.admin();
  await admin.connect();
  try {
    const topic = prefix + topicName;
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = (await admin.fetchOffsets({ groupId: prefix + groupId, topics: [topic] }))[0]?.partitions ?? [];
    return ends.every((end) => Number(end.high) === Number(end.low)
      || Number(committed.find((partition) => partition.partition === end.partition)?.offset ?? -1) >= Number(end.high));
  } finally {
    await admin.disconnect();
  }
};

/** Whether the group has committed every event published so far on both input topics. */
const caughtUp = async (groupId: string): Promise<boolean> => {
  const admin = service.kafka.admin();
  await admin.connect();
  try {
    for (const topic of [TOPICS.chatRequests, TOPICS.replies].map((name) => prefix + name)) {
      const ends = await admin.fetchTopicOffsets(topic);
      const committed = (await admin.fetchOffsets({ groupId: prefix + groupId, topics: [topic] }))[0]?.partitions ?? [];
      for (const end of ends) {
        const offset = Number(committed.find((partition) => partition.partition === end.partition)?.offset ?? -1);
        if (Number(end.high) > Number(end.low) && offset < Number(end.high)) return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
};

before(async () => {
  await ensureTopics(service.kafka, TOPIC_SPECS.filter((spec) => (topics as readonly string[]).includes(spec.name)).map((spec) => ({ name: spec.name, partitions: spec.partitions, config: topicConfig(spec) })), { prefix });
  await collector.connect();
  await collector.subscribe({ topics: [prefix + TOPICS.messagesPersisted, prefix + TOPICS.deadLetter], fromBeginning: true });
  await collector.run({
    eachMessage: async ({ topic, message }) => {
      const decoded = await service.codec.decode(message.value);
      if (topic === prefix + TOPICS.deadLetter) deadLetters.push(decoded.value);
      else if (decoded.type === 'message-persisted') persisted.push(decoded.value);
    },
  });
});

after(async () => {
  await collector.disconnect();
  await service.stop();
  for (const [index, pool] of pools.entries()) {
    await pool.query(`DROP SCHEMA IF EXISTS ${schemas[index]} CASCADE`);
    await pool.end();
  }
  await deleteTopics(service.kafka, topics.map((topic) => prefix + topic)).catch(() => undefined);
});

const tenantId = `tenant-${hex()}`;
const acceptedAt = Date.now();
const source: Source = { n: 1, documentId: 'doc-1', chunkId: 'chunk-1', title: null, score: 0.7, snippet: 'Rivulet streams answers.' };

const chatRequest = (requestId: string, conversationId: string, kind = 'chat'): AnyOutgoingEvent<EventRecords> => ({
  topic: TOPICS.chatRequests, type: 'chat-request-received', key: conversationId,
  value: {
    eventId: randomUUID(), tenantId, correlationId: requestId, occurredAt: acceptedAt,
    payload: {
      request: {
        requestId, clientRequestId: null, conversationId, userId: 'ann', apiKeyId: 'key-1', message: `question ${requestId}`, history: [],
        model: 'auto', temperature: null, maxOutputTokens: null, rag: true, collection: 'default', topK: 5, filters: {},
        replyRoute: { ingressInstanceId: 'ingress-test', partition: 0 }, kind, acceptedAt, deadlineAt: acceptedAt + 60_000, newConversation: false,
      },
    },
  },
});

const replyEnd = (requestId: string, conversationId: string, { kind = 'chat', status = 'done' } = {}): AnyOutgoingEvent<EventRecords> => ({
  topic: TOPICS.replies, type: 'reply-end', key: requestId, partition: 0,
  value: {
    eventId: randomUUID(), tenantId, correlationId: requestId, occurredAt: acceptedAt + 1500,
    payload: {
      requestId, kind, attemptId: 'attempt-1', conversationId, messageId: `${requestId}:assistant`, status,
      content: status === 'done' ? `answer ${requestId} [1]` : '', finishReason: status === 'done' ? 'stop' : 'error',
      model: 'gpt-test', provider: 'local', usage: { inputTokens: 300, outputTokens: 20 }, servedBy: ['local'], latencyMs: 1500, costUsd: null,
      error: status === 'done' ? null : { code: 'provider_unavailable', message: 'Try again later.', retryable: true, retryAfterMs: null },
      sources: [source],
    },
  },
});

const replyDelta = (requestId: string): AnyOutgoingEvent<EventRecords> => ({
  topic: TOPICS.replies, type: 'reply-delta', key: requestId, partition: 0,
  value: {
    eventId: randomUUID(), tenantId, correlationId: requestId, occurredAt: acceptedAt + 500,
    payload: { requestId, attemptId: 'attempt-1', seq: 0, content: `answer ${requestId}`, reset: false, sources: [source], failover: null },
  },
});

let pool: Pool;

test('each event delivered three times, the answer published first: one question and one answer, in order, each announced', async () => {
  pool = await database();
  const worker = service.worker(persistenceWorkerOptions(pool));
  await worker.start();
  const end = replyEnd('r1', 'c1');
  const question = chatRequest('r1', 'c1');
  // The answer first (the topics are read independently), then both delivered twice more.
  await service.producer.send([replyDelta('r1'), end]);
  await service.producer.send([question]);
  await service.producer.send([end, question]);
  await service.producer.send([question, end]);
  // Not stored: a search and its result, and a failed answer (its question is kept).
  await service.producer.send([chatRequest('r-search', 'c-search', 'search'), replyEnd('r-search', 'c-search', { kind: 'search' })]);
  await service.producer.send([chatRequest('r-error', 'c-error'), replyEnd('r-error', 'c-error', { status: 'error' })]);

  await waitFor(() => caughtUp(PERSISTENCE_GROUP), { description: 'the worker to commit every event', timeoutMs: 60_000 });
  await waitFor(() => persisted.length >= 7, { description: 'seven message-persisted events', timeoutMs: 60_000 });

  const messages = await listMessages(pool, tenantId, 'c1');
  assert.deepEqual(messages.map(({ id, role, content, tokens }) => ({ id, role, content, tokens })), [
    { id: 'r1:user', role: 'user', content: 'question r1', tokens: 300 },
    { id: 'r1:assistant', role: 'assistant', content: 'answer r1 [1]', tokens: 20 },
  ]);
  assert.equal(messages[0]!.createdAt, new Date(acceptedAt).toISOString(), 'the question at the request\'s acceptance');
  assert.equal(messages[1]!.createdAt, new Date(acceptedAt + 1500).toISOString(), 'the answer at the reply-end');
  assert.deepEqual(messages[1]!.metadata.sources, [source]);
  const { rows } = await withTenant(pool, tenantId, (client) => client.query<{ role: string; count: number }>(
    `SELECT role, count(*)::int AS count FROM messages WHERE tenant_id = $1 GROUP BY role ORDER BY role`, [tenantId]));
  assert.deepEqual(rows, [{ role: 'assistant', count: 1 }, { role: 'user', count: 2 }], 'r1 question and answer, r-error question: nothing else');
  assert.equal(await conversationExists(pool, tenantId, 'c-search'), false, 'a search is not a conversation');
  assert.deepEqual((await listMessages(pool, tenantId, 'c-error')).map((message) => message.id), ['r-error:user']);

  const announced = persisted.filter((event) => event.tenantId === tenantId);
  assert.equal(announced.length, 7, 'announced on every delivery: 3 + 3 for r1, 1 for r-error');
  const byMessage = new Map<string, MessagePersisted[]>();
  for (const event of announced) byMessage.set(event.payload.messageId, [...(byMessage.get(event.payload.messageId) ?? []), event]);
  assert.deepEqual([...byMessage.keys()].sort(), ['r-error:user', 'r1:assistant', 'r1:user']);
  for (const [messageId, events] of byMessage) {
    assert.equal(new Set(events.map((event) => event.eventId)).size, 1, `one eventId for every announcement of ${messageId}`);
  }
  const answer = byMessage.get('r1:assistant')![0]!;
  assert.deepEqual({ ...answer.payload }, { conversationId: 'c1', messageId: 'r1:assistant', role: 'assistant', requestId: 'r1', tokens: 20 });
  assert.equal(answer.correlationId, 'r1');
  assert.deepEqual(deadLetters, [], 'nothing dead-lettered');
});

test('replaying both topics from the start into an empty database rebuilds the same rows', async () => {
  const empty = await database();
  const replayGroup = `${PERSISTENCE_GROUP}-replay`;
  const replay = service.worker({ ...persistenceWorkerOptions(empty), groupId: replayGroup });
  await replay.start();
  await waitFor(() => caughtUp(replayGroup), { description: 'the replay to commit every event', timeoutMs: 60_000 });
  const strip = (messages: Awaited<ReturnType<typeof listMessages>>) => messages.map(({ id, role, content, createdAt, tokens }) => ({ id, role, content, createdAt, tokens }));
  assert.deepEqual(strip(await listMessages(empty, tenantId, 'c1')), strip(await listMessages(pool, tenantId, 'c1')));
  assert.deepEqual(strip(await listMessages(empty, tenantId, 'c-error')), strip(await listMessages(pool, tenantId, 'c-error')));
  const { rows } = await withTenant(empty, tenantId, (client) => client.query<{ count: number }>('SELECT count(*)::int AS count FROM conversations WHERE tenant_id = $1', [tenantId]));
  assert.equal(rows[0]!.count, 2, 'c1 and c-error, created by the worker');
});

const usageEvent = (requestId: string, attemptId: string, fields: Partial<EventRecords['usage-recorded']['payload']>, occurredAt: number): AnyOutgoingEvent<EventRecords> => ({
  topic: TOPICS.usage, type: 'usage-recorded', key: tenantId,
  value: {
    eventId: randomUUID(), tenantId, correlationId: requestId, occurredAt,
    payload: {
      requestId, attemptId, apiKeyId: 'key-1', requestedModel: 'auto', model: 'gpt-test', provider: 'openai', servedBy: ['primary'],
      inputTokens: 100, outputTokens: 10, costUsd: 0.001, latencyMs: 900, outcome: 'done', errorCode: null, ...fields,
    },
  },
});

test('usage events, each delivered twice, add up once per attempt into the tenant\'s day and model totals', async () => {
  const usagePool = await database();
  const worker = service.worker(usageWorkerOptions(usagePool));
  await worker.start();
  const day = Date.UTC(2026, 10, 26, 23, 59);
  const nextDay = Date.UTC(2026, 10, 27, 0, 1);
  const events = [
    usageEvent('u1', 'a1', {}, day),
    // A regeneration after a crash: a second attempt of the same request, billed too.
    usageEvent('u1', 'a2', { outputTokens: 12 }, day),
    usageEvent('u2', 'a1', { outcome: 'cancelled', errorCode: 'cancelled', outputTokens: 3, costUsd: 0.0005 }, day),
    usageEvent('u3', 'a1', { outcome: 'budget_exceeded', errorCode: 'budget_exceeded', model: '', provider: '', servedBy: [], inputTokens: 0, outputTokens: 0, costUsd: null }, day),
    usageEvent('u4', 'a1', { model: 'local-small', provider: 'local', costUsd: null }, nextDay),
  ];
  await service.producer.send(events);
  await service.producer.send(events);
  await waitFor(async () => (await usageByDay(usagePool, { tenantId, from: '2026-11-26', to: '2026-11-27' })).length === 3, { description: 'the usage totals', timeoutMs: 60_000 });
  await waitFor(() => caughtUpTopic(USAGE_GROUP, TOPICS.usage), { description: 'the usage worker to commit every event', timeoutMs: 60_000 });
  assert.deepEqual(await usageByDay(usagePool, { tenantId, from: '2026-11-26', to: '2026-11-27' }), [
    { day: '2026-11-26', model: 'auto', requests: 1, failed: 1, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 0 },
    { day: '2026-11-26', model: 'gpt-test', requests: 3, failed: 1, inputTokens: 300, outputTokens: 25, costUsd: 0.0025, unpriced: 0 },
    { day: '2026-11-27', model: 'local-small', requests: 1, failed: 0, inputTokens: 100, outputTokens: 10, costUsd: 0, unpriced: 1 },
  ]);
  assert.deepEqual(await usageByDay(usagePool, { tenantId: 'another-tenant', from: '2026-11-26', to: '2026-11-27' }), [], 'another tenant sees none of it');
  assert.deepEqual(await usageByDay(usagePool, { tenantId, from: '2026-11-28', to: '2026-11-30' }), []);
  assert.deepEqual(deadLetters, [], 'nothing dead-lettered');
});

// Stale chunk keys (docs/topics.md, "Tombstones"): a document replaced by a shorter version, and a
// deleted one, leave no live record on the compacted chunk topics for chunks they no longer have,
// even when an embedding of the deleted version lands after the chunking worker's tombstones.
// The real pipeline (ingress, ingestion, embedding, indexer) on topics of its own; the topics read
// from the beginning as a replay would read them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createKafkaClient, readTopicOnce, silentLogger, type TopicRecord } from '@rivulet/kafka';
import { chunkKey, TOPICS } from '@rivulet/schemas';
import { api } from './support/api.js';
import { embeddingModel, expectedChunks } from './support/local.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

let pipeline: Pipeline;
const kafka = createKafkaClient({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'rivulet-e2e-tombstones', logger: silentLogger });
before(async () => {
  pipeline = await startPipeline();
});
after(async () => {
  await pipeline?.close();
  const model = await embeddingModel();
  await model.close();
});

/** The latest record of each key of a topic: `live`, or `tombstone` for a null value. */
const latestByKey = async (topic: string): Promise<Map<string, 'live' | 'tombstone'>> => {
  const latest = new Map<string, 'live' | 'tombstone'>();
  await readTopicOnce({
    kafka, topic: pipeline.topicPrefix + topic, groupPrefix: pipeline.topicPrefix,
    onRecord: ({ key, value }) => void latest.set(key!.toString('utf8'), value === null ? 'tombstone' : 'live'),
  });
  return latest;
};

/** The latest record of chunk keys 0 … count-1 of a document, on both chunk topics. */
const chunkKeyStates = async (documentId: string, count: number): Promise<Record<string, (string | undefined)[]>> => {
  const reference = { tenantId: pipeline.tenant, collection: 'default', documentId };
  const states: Record<string, (string | undefined)[]> = {};
  for (const topic of [TOPICS.chunks, TOPICS.chunksEmbedded]) {
    const latest = await latestByKey(topic);
    states[topic] = Array.from({ length: count }, (_, index) => latest.get(chunkKey(reference, index)));
  }
  return states;
};

/** Polls until the chunk keys reach `expected` (tombstones are acknowledged just after the status changes). */
const waitForKeyStates = async (documentId: string, expected: (string | undefined)[], timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await chunkKeyStates(documentId, expected.length);
    if (Object.values(states).every((state) => JSON.stringify(state) === JSON.stringify(expected)) || Date.now() > deadline) return states;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

const paragraphs = (count: number, topic: string) => Array.from({ length: count }, (_, index) =>
  `Part ${index} of the ${topic} notes. ${'Each part explains one step of the procedure in enough detail for a new operator to follow it alone. '.repeat(5)}`).join('\n\n');

test('a shorter version tombstones the chunk keys beyond its chunks; a delete tombstones every key, on chunks and chunks-embedded', { timeout: 300_000 }, async () => {
  const client = api(pipeline);
  const unique = randomBytes(4).toString('hex');
  const long = paragraphs(5, `${unique} long`);
  const short = `The ${unique} notes were cut down to a single short paragraph.`;
  const [longChunks, shortChunks] = [await expectedChunks(Buffer.from(long), { mimeType: 'text/plain' }), await expectedChunks(Buffer.from(short), { mimeType: 'text/plain' })];
  assert.ok(longChunks.length >= 4 && shortChunks.length < longChunks.length, `${longChunks.length} chunks, then ${shortChunks.length}`);

  await client.postText({ id: 'shrinking', text: long });
  assert.equal((await client.waitFor('shrinking')).chunks, longChunks.length);
  await client.postText({ id: 'doomed', text: paragraphs(3, `${unique} doomed`) });
  const doomed = await client.waitFor('doomed');
  assert.equal(doomed.status, 'completed');
  assert.ok(doomed.chunks >= 2);

  await client.postText({ id: 'shrinking', text: short });
  const replaced = await client.waitFor('shrinking', { statuses: ['completed'] });
  assert.equal(replaced.chunks, shortChunks.length);
  const expectedShrunk = Array.from({ length: longChunks.length }, (_, index) => (index < shortChunks.length ? 'live' : 'tombstone'));
  const shrunk = await waitForKeyStates('shrinking', expectedShrunk);
  assert.deepEqual(shrunk[TOPICS.chunks], expectedShrunk, 'chunks: the new version\'s keys live, the keys beyond it end in a tombstone');
  assert.deepEqual(shrunk[TOPICS.chunksEmbedded], expectedShrunk, 'chunks-embedded: the same');

  assert.equal(await client.delete('doomed'), 202);
  assert.equal((await client.waitFor('doomed', { statuses: ['deleted'] })).status, 'deleted');
  const expectedDeleted = Array.from({ length: doomed.chunks }, () => 'tombstone');
  const deleted = await waitForKeyStates('doomed', expectedDeleted);
  assert.deepEqual(deleted[TOPICS.chunks], expectedDeleted, 'chunks: every key of the deleted document ends in a tombstone');
  assert.deepEqual(deleted[TOPICS.chunksEmbedded], expectedDeleted, 'chunks-embedded: the same');

  // The pipeline still indexes the document's next version on the tombstoned keys.
  await client.postText({ id: 'doomed', text: long });
  assert.equal((await client.waitFor('doomed', { statuses: ['completed'] })).chunks, longChunks.length);
  assert.deepEqual((await chunkKeyStates('doomed', longChunks.length))[TOPICS.chunks], longChunks.map(() => 'live'));
});

test('a deleted document\'s keys end in a tombstone on chunks-embedded even when an embedding lands after the chunking worker\'s tombstones', { timeout: 300_000 }, async () => {
  const client = api(pipeline);
  await client.postText({ id: 'late', text: paragraphs(2, `${randomBytes(4).toString('hex')} late`) });
  const indexed = await client.waitFor('late');
  assert.equal(indexed.status, 'completed');
  const reference = { tenantId: pipeline.tenant, collection: 'default', documentId: 'late' };
  const keys = new Set(Array.from({ length: indexed.chunks }, (_, index) => chunkKey(reference, index)));
  const embedded = new Map<string, TopicRecord>();
  await readTopicOnce({
    kafka, topic: pipeline.topicPrefix + TOPICS.chunksEmbedded, groupPrefix: pipeline.topicPrefix,
    onRecord: (record) => {
      const key = record.key!.toString('utf8');
      if (keys.has(key) && record.value !== null) embedded.set(key, record);
    },
  });
  assert.equal(embedded.size, keys.size);

  // The embedding worker is down while the document is deleted; then the embeddings of the deleted
  // version land after the chunking worker's tombstones, as a lagging worker's would.
  await pipeline.stop('embedding');
  assert.equal(await client.delete('late'), 202);
  await client.waitFor('late', { statuses: ['deleted'] });
  const removed = await waitForKeyStates('late', [...keys].map(() => 'tombstone'));
  assert.deepEqual(removed[TOPICS.chunksEmbedded], [...keys].map(() => 'tombstone'), 'the chunking worker tombstoned chunks-embedded itself');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: pipeline.topicPrefix + TOPICS.chunksEmbedded, acks: -1, messages: [...embedded.values()].map(({ key, value, headers }) => ({ key, value, headers })) });
  await producer.disconnect();
  const late = await chunkKeyStates('late', keys.size);
  assert.deepEqual(late[TOPICS.chunksEmbedded], [...keys].map(() => 'live'), 'the late embeddings are the latest records: the gap the forwarding closes');

  // The embedding worker reads the tombstones on chunks and passes them on behind those embeddings.
  await pipeline.start('embedding');
  const expected = [...keys].map(() => 'tombstone');
  const states = await waitForKeyStates('late', expected, 60_000);
  assert.deepEqual(states[TOPICS.chunksEmbedded], expected, 'chunks-embedded: every key of the deleted document ends in a tombstone');
  assert.deepEqual(states[TOPICS.chunks], expected);
});

// A document whose event is dead-lettered ends `failed` with the dead letter's reason, through the
// API and the WebSocket's ingest_status frames, and a later upload of it still completes. The real
// processes (ingress, ingestion, indexer; the embedding worker once the poison is in) on topics of
// their own. The poison: a chunk-embedded record of the document's real chunk whose vector does not
// have the dimension it claims, which the indexer refuses for good (invalid_event) and dead-letters.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { createKafkaClient, EventCodec, EventProducer, readTopicOnce, silentLogger } from '@rivulet/kafka';
import { chunkKey, EVENT_TYPES, TOPICS, type Chunk, type EventRecords } from '@rivulet/schemas';
import { api } from './support/api.js';
import { asTenant, database } from './support/local.js';
import { startPipeline, type Pipeline } from './support/pipeline.js';

let pipeline: Pipeline;
const pool = database();
const kafka = createKafkaClient({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'rivulet-e2e-unfinished', logger: silentLogger });
const codec = new EventCodec<EventRecords>({ registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7', catalog: EVENT_TYPES });
let producer: EventProducer<EventRecords>;
before(async () => {
  pipeline = await startPipeline({ processes: ['ingress', 'ingestion', 'indexer'] });
  producer = new EventProducer<EventRecords>({ kafka, codec, topicPrefix: pipeline.topicPrefix });
});
after(async () => {
  await producer?.disconnect();
  await pipeline?.close();
  await pool.end();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value; fails naming `what` (and the last value) after `timeoutMs`. */
const until = async <T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(100);
  }
};

/** The chunks the ingestion worker published for `documentId`, as read back from the chunk topic. */
const publishedChunks = async (documentId: string): Promise<Chunk[]> => {
  const chunks: Chunk[] = [];
  await readTopicOnce({
    kafka, topic: pipeline.topicPrefix + TOPICS.chunks, groupPrefix: pipeline.topicPrefix,
    onRecord: async ({ value }) => {
      if (value === null) return;
      const decoded = await codec.decode(value);
      const { chunk } = (decoded.value as EventRecords['chunk-created']).payload;
      if (chunk.documentId === documentId) chunks.push(chunk);
    },
  });
  return chunks;
};

/** One chunk-embedded the indexer can never store: 3 values under a claimed dimension of 384. */
const sendPoison = (chunk: Chunk) => producer.send([{
  topic: TOPICS.chunksEmbedded, type: 'chunk-embedded', key: chunkKey({ tenantId: pipeline.tenant, collection: chunk.collection, documentId: chunk.documentId }, chunk.index),
  value: {
    eventId: randomUUID(), tenantId: pipeline.tenant, correlationId: 'e2e-poison', occurredAt: Date.now(),
    payload: { chunk, embedding: { modelId: 'all-minilm-l6-v2', modelVersion: 'poison', dimension: 384, vector: [0.1, 0.2, 0.3] } },
  },
}]);

const deadLettersHandled = () => pipeline.metric('indexer', 'rivulet_consumer_messages_total', { event_type: 'event-dead-lettered' });

test('a dead-lettered chunk fails its document with the reason (API and ingest_status); a new upload completes; the old failure, repeated, does not touch it', { timeout: 300_000 }, async () => {
  const client = api(pipeline);
  const socket = new WebSocket(`${pipeline.url.replace('http', 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${pipeline.apiKey}` } });
  const frames: Record<string, unknown>[] = [];
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  await until(() => frames.find((frame) => frame.type === 'ready'), 'ready');
  const statusFrames = () => frames.filter((frame) => frame.type === 'ingest_status' && frame.id === 'upload-1');

  const text = Array.from({ length: 3 }, (_, index) => `Part ${index} of the ferry timetable. ${'The first boat leaves the harbour at seven, the last returns at ten. '.repeat(6)}`).join('\n\n');
  socket.send(JSON.stringify({ type: 'ingest', id: 'upload-1', document: { id: 'poisoned', text } }));
  const processing = await until(() => statusFrames().find((frame) => frame.status === 'processing'), 'processing');
  const chunks = await until(async () => {
    const found = await publishedChunks('poisoned');
    return found.length === processing.chunks ? found : undefined;
  }, 'the chunks on the chunk topic');
  const poisoned = chunks.find((chunk) => chunk.index === 1) ?? chunks[0]!;
  await sendPoison(poisoned);

  const failedFrame = await until(() => statusFrames().find((frame) => frame.status === 'failed'), `a failed ingest_status frame (frames: ${JSON.stringify(statusFrames())})`);
  const error = failedFrame.error as { code: string; message: string; retryable: boolean };
  assert.equal(error.code, 'processing_failed');
  assert.match(error.message, new RegExp(`^Chunk ${poisoned.index + 1} of ${chunks.length} could not be indexed: .*\\(invalid_event, after 1 attempt; dead-lettered by ${pipeline.topicPrefix}rivulet-indexer\\)`));
  assert.equal(error.retryable, false, 'the indexer refused it for good');
  assert.deepEqual(statusFrames().map((frame) => frame.status), ['accepted', 'processing', 'failed']);
  const shown = (await client.get('poisoned')).body;
  assert.equal(shown.status, 'failed');
  assert.deepEqual(shown.error, { code: error.code, message: error.message });
  socket.close();

  // A new upload of the same document completes, the chunks of the failed version being embedded (and dropped) beside it.
  const changed = `${text}\n\nFrom May the ferry also stops at the island pier.`;
  assert.equal((await client.postText({ id: 'poisoned', text: changed })).status, 202);
  await pipeline.start('embedding');
  const completed = await client.waitFor('poisoned', { statuses: ['completed'] });
  assert.equal(completed.error, undefined);

  // The old version's failure once more (a redelivered or replayed dead letter): the new version stays completed.
  const handledBefore = await deadLettersHandled();
  await sendPoison(poisoned);
  await until(async () => ((await deadLettersHandled()) > handledBefore ? true : undefined), 'the indexer handled the second dead letter');
  const after = (await client.get('poisoned')).body;
  assert.equal(after.status, 'completed', JSON.stringify(after));
  assert.equal(after.chunks, completed.chunks);
  const { rows } = await asTenant<{ version: string; status: string }>(pool, pipeline.tenant,
    `SELECT version, status FROM documents WHERE tenant_id = $1 AND document_id = 'poisoned'`, [pipeline.tenant]);
  assert.notEqual(rows[0]!.version, poisoned.documentVersion);
  assert.equal(rows[0]!.status, 'completed');
});

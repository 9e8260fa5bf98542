// The feed factory behind the reply and status feeds, on the real broker under a fresh topic prefix.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { documentKey, TOPICS } from '@rivulet/schemas';
import { createService, type Service } from '@rivulet/service';
import { createTopicSandbox, testEnvironment, uniqueName, waitFor } from '@rivulet/testing';
import { createFeed } from '../src/feeds/kafka-feed.js';

let sandbox: Awaited<ReturnType<typeof createTopicSandbox>>;
let service: Service;

before(async () => {
  sandbox = await createTopicSandbox({ partitions: 2 });
  service = createService('feed-test', {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', KAFKA_BROKERS: testEnvironment.brokers, KAFKA_CLIENT_ID: uniqueName('feed-test'),
    KAFKA_TOPIC_PREFIX: sandbox.prefix, SCHEMA_REGISTRY_URL: testEnvironment.registryUrl, OPS_HOST: '127.0.0.1', OPS_PORT: 0,
  }, { exit: () => undefined });
});

after(async () => {
  await service?.stop();
  await sandbox?.close();
});

const status = (documentId: string, partition: number) => ({
  topic: TOPICS.documentsIndexed, type: 'document-indexed' as const, partition,
  key: documentKey({ tenantId: 'tenant', collection: 'default', documentId }),
  value: {
    eventId: uniqueName('event'), tenantId: 'tenant', correlationId: uniqueName('correlation'), occurredAt: Date.now(),
    payload: { documentId, collection: 'default', status: 'completed', documentVersion: null, chunkCount: 0, error: null },
  },
});

/** A started feed on one partition of the status topic, and what it delivered. */
const startFeedOn = async (partition: number) => {
  const delivered: string[] = [];
  const feed = createFeed({
    kafka: service.kafka, codec: service.codec, producer: service.producer, instrumentation: service.instrumentation, logger: service.logger,
  }, {
    groupId: uniqueName('feed'), topic: TOPICS.documentsIndexed, eventTypes: ['document-indexed'], partitions: [partition],
    joinedWith: (assigned) => assigned.includes(partition),
    deliver: (event, eventType) => delivered.push(`${eventType}:${event.payload.documentId}`),
  });
  service.onStop(feed);
  assert.equal(feed.isJoined(), false, 'not joined before it starts');
  await feed.start();
  await waitFor(() => feed.isJoined(), { description: `the feed to be assigned partition ${partition}`, timeoutMs: 30_000 });
  // Joined is the assignment; the first fetch position (the latest offset) is resolved just after
  // it, on a fresh topic possibly seconds later: probe until the feed reads.
  let probes = 0;
  await waitFor(async () => {
    if (delivered.length > 0) return true;
    await sandbox.send([status(`probe-${probes += 1}`, partition)]);
    return false;
  }, { description: `the feed to read partition ${partition}`, timeoutMs: 30_000 });
  const read = (): string[] => delivered.filter((entry) => !entry.startsWith('document-indexed:probe-'));
  return { feed, read };
};

test('a feed on one partition: joined once that partition is assigned, then only its events, in order, from the latest offset', async () => {
  await sandbox.send([status('before-start', 0), status('before-start', 1)]);
  const [zero, one] = await Promise.all([startFeedOn(0), startFeedOn(1)]);
  await sandbox.send([status('zero-first', 0), status('one-first', 1), status('zero-second', 0), status('one-second', 1)]);
  await waitFor(() => zero.read().length >= 2 && one.read().length >= 2, { description: 'two events on each partition', timeoutMs: 30_000 });
  assert.deepEqual(zero.read(), ['document-indexed:zero-first', 'document-indexed:zero-second'], 'nothing from before the start, nothing from partition 1');
  assert.deepEqual(one.read(), ['document-indexed:one-first', 'document-indexed:one-second'], 'nothing from before the start, nothing from partition 0');
  await Promise.all([zero.feed.stop(), one.feed.stop()]);
});

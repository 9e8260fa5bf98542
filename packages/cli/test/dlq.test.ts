// `rivulet dlq list` and `rivulet dlq replay` as an operator runs them: the built command, on a
// dead letter produced by the real consumer runtime, on topics of this run's own prefix.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  createKafkaClient, deleteTopics, ensureTopics, EventCodec, EventProducer, NonRetriableError, silentLogger, Worker,
  type DeadLetterEvent, type EventEnvelope, type Kafka,
} from '@rivulet/kafka';
import { EVENT_TYPES, TOPICS } from '@rivulet/schemas';
import { waitFor } from '@rivulet/testing';
import { topicDefinitions } from '../src/topics.js';
import { runCli } from './support/cli.js';

type Events = {
  'thing-created': EventEnvelope<{ thingId: string }>;
  'event-dead-lettered': DeadLetterEvent;
};

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const prefix = `dlq-test-${randomBytes(4).toString('hex')}.`;
const namespace = `dev.rivulet.test.dlq_${randomBytes(4).toString('hex')}`;
const kafka: Kafka = createKafkaClient({ brokers, clientId: 'rivulet-dlq-test', logger: silentLogger });
const codec = new EventCodec<Events>({
  registryUrl,
  catalog: {
    'thing-created': {
      subject: `${namespace}.ThingCreated`,
      schema: {
        type: 'record', name: 'ThingCreated', namespace,
        fields: [
          { name: 'eventId', type: 'string' }, { name: 'tenantId', type: 'string' }, { name: 'correlationId', type: 'string' },
          { name: 'occurredAt', type: 'long' },
          { name: 'payload', type: { type: 'record', name: 'ThingCreatedPayload', fields: [{ name: 'thingId', type: 'string' }] } },
        ],
      },
    },
    'event-dead-lettered': EVENT_TYPES['event-dead-lettered'],
  },
});
const producer = new EventProducer<Events>({ kafka, codec, topicPrefix: prefix });
const requests = prefix + TOPICS.chatRequests;
const failingGroup = `${prefix}rivulet-dlq-test-worker`;
const admin = kafka.admin();

const rivulet = (args: string[]) =>
  runCli(['dlq', ...args], { env: { KAFKA_TOPIC_PREFIX: prefix, KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: registryUrl }, timeoutMs: 30_000 });

const written = async (topic: string): Promise<number> =>
  (await admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);

interface Read { partition: number; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> }

/** Every record of the requests topic, raw, read by a consumer of the test's own. */
const readRequests = async (count: number): Promise<Read[]> => {
  const consumer = kafka.consumer({ groupId: `${prefix}reader-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 200 });
  const read: Read[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [requests], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: ({ partition, message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, Buffer.from(value as Buffer)]));
      read.push({ partition, key: message.key, value: message.value, headers });
      return Promise.resolve();
    },
  });
  try {
    await waitFor(() => read.length >= count, { description: `${count} records on ${requests}`, timeoutMs: 15_000 });
  } finally {
    await consumer.disconnect();
  }
  return read;
};

before(async () => {
  await ensureTopics(kafka, topicDefinitions().filter(({ name }) => name === TOPICS.chatRequests || name === TOPICS.deadLetter), { prefix });
  await admin.connect();
  // The real runtime, with a handler that refuses the event for good: one dead letter, at once.
  const worker = new Worker<Events, 'thing-created'>({
    kafka, codec, producer, groupId: 'rivulet-dlq-test-worker', topics: [TOPICS.chatRequests], eventTypes: ['thing-created'],
    deadLetterTopic: TOPICS.deadLetter, heartbeatIntervalMs: 500,
    handler: () => Promise.reject(new NonRetriableError('thing 7 is malformed', { code: 'thing_rejected' })),
  });
  await worker.start();
  try {
    await producer.send([{
      topic: TOPICS.chatRequests, type: 'thing-created', key: 'conversation-7', headers: { 'x-test': 'kept as it was' },
      value: { eventId: 'event-7', tenantId: 'tenant-a', correlationId: 'request-7', occurredAt: Date.now(), payload: { thingId: 'thing-7' } },
    }]);
    await waitFor(async () => (await written(prefix + TOPICS.deadLetter)) === 1, { description: 'the dead letter', timeoutMs: 15_000 });
  } finally {
    await worker.stop();
  }
});

after(async () => {
  await producer.disconnect();
  const { groups } = await admin.listGroups();
  await admin.deleteGroups(groups.map(({ groupId }) => groupId).filter((groupId) => groupId.startsWith(prefix))).catch(() => undefined);
  await admin.disconnect();
  await deleteTopics(kafka, [requests, prefix + TOPICS.deadLetter]);
});

test('dlq list: the dead letter with its original position, error, attempts and group', async () => {
  const json = await rivulet(['list', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const listed = JSON.parse(json.stdout) as { total: number; letters: Record<string, unknown>[] };
  assert.equal(listed.total, 1);
  const { eventId, failedAt, deadLetter, originalPartition, originalTimestamp, valueBytes, ...fields } = listed.letters[0]!;
  assert.deepEqual(fields, {
    tenantId: 'tenant-a', correlationId: 'request-7', originalTopic: requests, originalOffset: '0', key: 'conversation-7',
    consumerGroup: failingGroup, errorCode: 'thing_rejected', errorMessage: 'thing 7 is malformed', retriable: false, attempts: 1, replayed: false,
  });
  assert.match(String(eventId), /^[0-9a-f-]{36}$/);
  assert.ok(Date.now() - Date.parse(String(failedAt)) < 60_000, `failedAt ${String(failedAt)}`);
  assert.ok(Number.isInteger(originalPartition) && typeof originalTimestamp === 'string' && Number(valueBytes) > 5);
  assert.deepEqual(Object.keys(deadLetter as object), ['partition', 'offset']);

  const text = await rivulet(['list', TOPICS.chatRequests]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^1 dead letter\(s\) from /m);
  assert.match(text.stdout, new RegExp(`${requests.replace(/\./g, '\\.')}/\\d@0 +thing_rejected: thing 7 is malformed +1 +${failingGroup.replace(/\./g, '\\.')} +no$`, 'm'));

  const unknown = await rivulet(['list', 'rivulet.no-such-topic']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown topic/);
});

test('dlq replay: the original message back on its topic byte for byte, once', async () => {
  const dry = await rivulet(['replay', TOPICS.chatRequests, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would replay 1 dead letter/);
  assert.equal(await written(requests), 1, 'a dry run produces nothing');

  const replayed = await rivulet(['replay', TOPICS.chatRequests, '--group', failingGroup]);
  assert.equal(replayed.code, 0, replayed.stderr);
  assert.match(replayed.stdout, /^Replayed 1 dead letter\(s\)/m);
  const [original, again] = await readRequests(2);
  assert.ok(original && again);
  assert.equal(again.partition, original.partition);
  assert.deepEqual(again.key, original.key);
  assert.deepEqual(again.value, original.value);
  assert.deepEqual(again.headers, original.headers);
  assert.equal(again.headers['x-test']?.toString(), 'kept as it was');

  const second = await rivulet(['replay', TOPICS.chatRequests]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^Nothing to replay: 1 dead letter\(s\) of .*, 1 already replayed\.$/m);
  assert.equal(await written(requests), 2, 'the second replay produced nothing');

  const listed = JSON.parse((await rivulet(['list', '--json'])).stdout) as { letters: { replayed: boolean }[] };
  assert.equal(listed.letters[0]!.replayed, true);

  const badGroup = await rivulet(['replay', TOPICS.chatRequests, '--group', 'no-such-group']);
  assert.equal(badGroup.code, 1);
  assert.match(badGroup.stderr, /Unknown consumer group "no-such-group"/);
  const badLimit = await rivulet(['replay', TOPICS.chatRequests, '--limit', 'all']);
  assert.equal(badLimit.code, 2);
});

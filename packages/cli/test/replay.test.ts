// `rivulet replay` as an operator runs it: the built command against the real Kafka, on topics
// and a consumer group of this run's own prefix.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createKafkaClient, deleteTopics, ensureTopics, silentLogger } from '@rivulet/kafka';
import { TOPICS } from '@rivulet/schemas';
import { EMBEDDING_GROUP } from '@rivulet/worker-embedding';
import { waitFor } from '@rivulet/testing';
import { topicDefinitions } from '../src/topics.js';
import { runCli } from './support/cli.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const prefix = `replay-test-${randomBytes(4).toString('hex')}.`;
const kafka = createKafkaClient({ brokers, clientId: 'rivulet-replay-test', logger: silentLogger });
const chunks = prefix + TOPICS.chunks;
const groupId = prefix + EMBEDDING_GROUP;
const admin = kafka.admin();
const producer = kafka.producer();
// Records written a minute ago, a second apart: partition 0 at +0, +1, +2, +3 s; partition 1 at +0.5, +2.5 s.
const base = Date.now() - 60_000;
const written = [
  { partition: 0, at: [0, 1000, 2000, 3000] },
  { partition: 1, at: [500, 2500] },
];

const rivulet = (args: string[]) => runCli(['replay', ...args], { env: { KAFKA_TOPIC_PREFIX: prefix, KAFKA_BROKERS: brokers.join(',') }, timeoutMs: 30_000 });

/** The group's committed offsets on the chunks topic, by partition (-1: none). */
const committed = async (): Promise<number[]> => {
  const [topic] = await admin.fetchOffsets({ groupId, topics: [chunks] });
  return topic!.partitions.sort((left, right) => left.partition - right.partition).map(({ offset }) => Number(offset));
};

/** Runs a member of the group until it has read `count` records and committed them; returns it running and what it read. */
const consume = async (count: number) => {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const read: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [chunks], fromBeginning: true });
  await consumer.run({ eachMessage: ({ message }) => Promise.resolve(void read.push(message.value!.toString())) });
  await waitFor(() => read.length >= count, { description: `${count} records`, timeoutMs: 15_000 });
  await waitFor(async () => (await committed()).filter((offset) => offset > 0).reduce((sum, offset) => sum + offset, 0) === 6, { description: 'the commit', timeoutMs: 15_000 });
  return { consumer, read };
};

before(async () => {
  await ensureTopics(kafka, topicDefinitions().filter(({ name }) => name === TOPICS.chunks), { prefix });
  await admin.connect();
  await producer.connect();
  for (const { partition, at } of written) {
    await producer.send({ topic: chunks, messages: at.map((offset) => ({ partition, key: `k-${offset}`, value: `v-${offset}`, timestamp: String(base + offset) })) });
  }
});

after(async () => {
  await producer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  await deleteTopics(kafka, [chunks]);
});

test('replay: refuses while a member is live, then resets to earliest, reports the count, and the group reads again', async () => {
  const { consumer, read } = await consume(6);
  assert.equal(read.length, 6);
  try {
    const refused = await rivulet(['embedding', '--from', 'earliest', '--yes']);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, new RegExp(`${groupId.replace(/\./g, '\\.')} has 1 live member.*client rivulet-replay-test`));
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual((await committed()).slice(0, 2), [4, 2], 'nothing was reset');

  const dry = await rivulet(['embedding', '--from', 'earliest', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`^${chunks.replace(/\./g, '\\.')} +0 +4 +0 +4 +4$`, 'm'));
  assert.match(dry.stdout, new RegExp(`^${chunks.replace(/\./g, '\\.')} +1 +2 +0 +2 +2$`, 'm'));
  assert.match(dry.stdout, /^6 event\(s\) on 6 partition\(s\) will be processed again/m);
  assert.deepEqual((await committed()).slice(0, 2), [4, 2], 'a dry run changes nothing');

  const unconfirmed = await rivulet(['embedding', '--from', 'earliest']);
  assert.equal(unconfirmed.code, 2, 'off a terminal, --yes is required');

  const reset = await rivulet([groupId, '--from', 'earliest', '--yes']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /processes 6 event\(s\) again/);
  assert.deepEqual(await committed(), [0, 0, 0, 0, 0, 0]);

  const again = await consume(6);
  await again.consumer.disconnect();
  assert.deepEqual(again.read.sort(), read.sort(), 'the same events, read again by the group');
});

test('replay --from <time>: each partition restarts at its first event at or after the time', async () => {
  const at = new Date(base + 2000).toISOString();
  const { code, stdout, stderr } = await rivulet(['embedding', '--from', at, '--topic', TOPICS.chunks, '--yes']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, new RegExp(`first event at or after ${at}`));
  assert.match(stdout, new RegExp(`^${chunks.replace(/\./g, '\\.')} +0 +4 +2 +4 +2$`, 'm'));
  assert.match(stdout, new RegExp(`^${chunks.replace(/\./g, '\\.')} +1 +2 +1 +2 +1$`, 'm'));
  assert.deepEqual(await committed(), [2, 1, 0, 0, 0, 0]);
});

test('replay: an unknown group or topic exits 1, a bad flag 2', async () => {
  const unknown = await rivulet(['no-such-worker', '--from', 'earliest', '--yes']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown consumer group "no-such-worker"/);
  const topic = await rivulet(['embedding', '--from', 'earliest', '--topic', 'rivulet.no-such-topic', '--dry-run']);
  assert.equal(topic.code, 1);
  assert.match(topic.stderr, /Unknown topic/);
  const flag = await rivulet(['embedding', '--from', 'last tuesday']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--from/);
});

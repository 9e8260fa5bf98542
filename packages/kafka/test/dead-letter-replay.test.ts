import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { deadLetterReplayGroupId, readTopicOnce, replayDeadLetters, scanDeadLetters, type DeadLetterPayload, type TopicRecord } from '../src/index.js';
import { createHarness, type Harness } from './support/harness.js';

let harness: Harness;
const groups = ['group-a', 'group-b'];
const base = Date.now() - 60_000;

/** A dead letter of `group` on dead-letter partition `partition`, failed at `base + at`, for input partition `original`. */
const letter = (group: string, partition: number, at: number, original: number) => {
  const payload: DeadLetterPayload = {
    originalTopic: harness.topics.input, originalPartition: original, originalOffset: String(at), originalTimestamp: base,
    originalKey: Buffer.from(`key-${at}`), originalValue: Buffer.from([0, 1, 2, at % 256]), originalHeaders: { 'x-at': String(at) },
    consumerGroup: group, errorCode: 'broken', errorMessage: `failure ${at}`, retriable: false, attempts: 1, failedAt: base + at,
  };
  return {
    topic: harness.topics.deadLetter, type: 'event-dead-lettered' as const, key: `key-${at}`, partition,
    value: { eventId: randomUUID(), tenantId: 'tenant-a', correlationId: `c-${at}`, occurredAt: base + at, payload: payload as unknown as Record<string, unknown> },
  };
};

const scan = () => scanDeadLetters({ kafka: harness.kafka, codec: harness.codec, prefix: '', deadLetterTopic: harness.topics.deadLetter, originalTopic: harness.topics.input });

const readInput = async (): Promise<TopicRecord[]> => {
  const records: TopicRecord[] = [];
  await readTopicOnce({ kafka: harness.kafka, topic: harness.topics.input, onRecord: (record) => void records.push(record) });
  return records;
};

before(async () => {
  harness = await createHarness({ partitions: 2 });
  // Dead-letter partition 0: a@10, b@20, a@40; partition 1: a@30, b@50. Oldest failures first: 10, 20, 30, 40, 50.
  await harness.producer.send([letter('group-a', 0, 10, 0), letter('group-b', 0, 20, 1), letter('group-a', 0, 40, 1), letter('group-a', 1, 30, 0), letter('group-b', 1, 50, 1)]);
});

after(async () => {
  const admin = harness.kafka.admin();
  await admin.connect();
  await admin.deleteGroups(groups.map((group) => deadLetterReplayGroupId('', harness.topics.input, group))).catch(() => undefined);
  await admin.disconnect();
  await harness.close();
});

test('readTopicOnce reads to the end offsets of the start and stops', async () => {
  const records: TopicRecord[] = [];
  const { ends, records: count } = await readTopicOnce({ kafka: harness.kafka, topic: harness.topics.deadLetter, onRecord: (record) => void records.push(record) });
  assert.deepEqual([...ends].sort(), [[0, 3], [1, 2]]);
  assert.equal(count, 5);
  assert.deepEqual(records.filter(({ partition }) => partition === 0).map(({ offset }) => offset), [0, 1, 2], 'in offset order');
  assert.deepEqual(await readInput(), [], 'an empty topic ends at once');
});

test('replayDeadLetters: earliest failures first as partition prefixes, byte for byte, each dead letter once', async () => {
  const first = await replayDeadLetters({ kafka: harness.kafka, scan: await scan(), limit: 2 });
  assert.deepEqual(first.replayed.map(({ event }) => event.payload.failedAt - base), [10, 20]);
  assert.equal(first.remaining, 3);
  // Group a on partition 0 stops before its pending letter at offset 2; group b passed partition 0's end.
  assert.deepEqual(first.progress.map(({ groupId, partition, offset }) => [groupId.endsWith('group-a'), partition, offset]), [[true, 0, 2], [false, 0, 3]]);

  const scanned = await scan();
  assert.deepEqual(scanned.letters.map(({ event, replayed }) => [event.payload.failedAt - base, replayed]), [[10, true], [20, true], [40, false], [30, false], [50, false]]);
  const dry = await replayDeadLetters({ kafka: harness.kafka, scan: scanned, dryRun: true });
  assert.equal(dry.replayed.length, 3);
  assert.deepEqual(dry.progress, []);
  const second = await replayDeadLetters({ kafka: harness.kafka, scan: await scan() });
  assert.deepEqual(second.replayed.map(({ event }) => event.payload.failedAt - base).sort(), [30, 40, 50]);
  assert.equal(second.alreadyReplayed, 2);
  const third = await replayDeadLetters({ kafka: harness.kafka, scan: await scan() });
  assert.deepEqual([third.replayed.length, third.alreadyReplayed], [0, 5]);

  const input = await readInput();
  assert.equal(input.length, 5, 'each dead letter produced once');
  for (const at of [10, 20, 30, 40, 50]) {
    const record = input.find(({ key }) => key?.toString() === `key-${at}`)!;
    assert.deepEqual(record.value, Buffer.from([0, 1, 2, at]));
    assert.deepEqual(record.headers, { 'x-at': String(at) });
    assert.equal(record.partition, at === 10 || at === 30 ? 0 : 1, 'to the original partition');
  }
});

// The long-lived tombstone writer on the real broker: null values on the given keys, the tenant
// header, order behind earlier records of a key, and a writer usable again after stop().
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTombstoneWriter, HEADERS, readTopicOnce, type TopicRecord } from '../src/index.js';
import { createHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await createHarness({ partitions: 2 });
});
after(() => harness.close());

const read = async (topic: string): Promise<TopicRecord[]> => {
  const records: TopicRecord[] = [];
  await readTopicOnce({ kafka: harness.kafka, topic, onRecord: (record) => void records.push(record) });
  return records;
};

test('a writer produces tombstones after the keys\' earlier records, with the tenant header, and again after stop()', async () => {
  const producer = harness.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: harness.topics.input, messages: ['a', 'b', 'c'].map((key) => ({ key, value: `live ${key}` })) });
  await producer.disconnect();

  const writer = createTombstoneWriter({ kafka: harness.kafka, batchSize: 1 });
  assert.equal(await writer.send({ tombstones: [] }), 0, 'nothing to send: no connection either');
  assert.equal(await writer.send({ tombstones: [{ topic: harness.topics.input, key: 'a' }, { topic: harness.topics.output, key: 'a' }], tenantId: 'tenant-a' }), 2);
  await writer.stop();
  assert.equal(await writer.send({ tombstones: [{ topic: harness.topics.input, key: 'b' }] }), 1, 'reconnects after stop');
  await writer.stop();
  await writer.stop();

  const latest = new Map((await read(harness.topics.input)).map((record) => [record.key!.toString(), record]));
  assert.deepEqual([...latest].map(([key, record]) => [key, record.value?.toString() ?? null]).sort(), [['a', null], ['b', null], ['c', 'live c']]);
  assert.equal(latest.get('a')!.headers[HEADERS.tenantId], 'tenant-a');
  assert.equal(latest.get('b')!.headers[HEADERS.tenantId], undefined);
  const output = await read(harness.topics.output);
  assert.deepEqual(output.map((record) => [record.key!.toString(), record.value]), [['a', null]]);
});

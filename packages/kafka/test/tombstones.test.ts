// sendTombstones (`rivulet erase`) on the real broker: null values on the given keys, the tenant
// header, order behind earlier records of a key, batches of batchSize. (A handler's tombstones
// leave through the runtime: handler-outputs.test.ts.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HEADERS, readTopicOnce, sendTombstones, type TopicRecord } from '../src/index.js';
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

test('sendTombstones produces tombstones after the keys\' earlier records, with the tenant header, in batches', async () => {
  const producer = harness.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: harness.topics.input, messages: ['a', 'b', 'c'].map((key) => ({ key, value: `live ${key}` })) });
  await producer.disconnect();

  const { kafka } = harness;
  assert.equal(await sendTombstones({ kafka, tombstones: [] }), 0, 'nothing to send: no connection either');
  assert.equal(await sendTombstones({ kafka, batchSize: 1, tombstones: [{ topic: harness.topics.input, key: 'a' }, { topic: harness.topics.output, key: 'a' }], tenantId: 'tenant-a' }), 2);
  assert.equal(await sendTombstones({ kafka, batchSize: 1, tombstones: [{ topic: harness.topics.input, key: 'b' }] }), 1);

  const latest = new Map((await read(harness.topics.input)).map((record) => [record.key!.toString(), record]));
  assert.deepEqual([...latest].map(([key, record]) => [key, record.value?.toString() ?? null]).sort(), [['a', null], ['b', null], ['c', 'live c']]);
  assert.equal(latest.get('a')!.headers[HEADERS.tenantId], 'tenant-a');
  assert.equal(latest.get('b')!.headers[HEADERS.tenantId], undefined);
  const output = await read(harness.topics.output);
  assert.deepEqual(output.map((record) => [record.key!.toString(), record.value]), [['a', null]]);
});

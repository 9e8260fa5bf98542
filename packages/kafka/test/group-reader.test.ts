import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { openGroupReader, type GroupRecord } from '../src/index.js';
import { uniqueName } from './support/environment.js';
import { createHarness, type Harness } from './support/harness.js';
import type { TestEvents } from './support/catalog.js';

let harness: Harness;
const THINGS = 30;

before(async () => {
  harness = await createHarness({ partitions: 2 });
  await harness.producer.send(Array.from({ length: THINGS }, (_, sequence) => ({
    topic: harness.topics.input, type: 'thing-created' as const, key: `thing-${sequence}`,
    value: { eventId: randomUUID(), tenantId: 'tenant-a', correlationId: `c-${sequence}`, occurredAt: Date.now(), payload: { thingId: `thing-${sequence}`, sequence } },
  })));
});
after(() => harness?.close());

const until = async (condition: () => boolean | Promise<boolean>, what: string): Promise<void> => {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

test('a group reader commits each batch once handled, stops at a handler that throws with that batch uncommitted, and a new run resumes from the commits', { timeout: 60_000 }, async () => {
  const groupId = uniqueName('reindex');
  const seen: number[] = [];
  const reader = (failAt?: number) => openGroupReader<TestEvents>({
    kafka: harness.kafka, codec: harness.codec, groupId, topic: harness.topics.input, maxBatchRecords: 4,
    handle: (records: readonly GroupRecord<TestEvents>[]) => {
      const sequences = records.map((record) => (record.event?.value.payload as { sequence: number }).sequence);
      if (failAt !== undefined && sequences.includes(failAt)) return Promise.reject(new Error(`refused ${failAt}`));
      seen.push(...sequences);
      return Promise.resolve();
    },
  });

  const first = reader(17);
  await first.start();
  const failure = await first.failed.catch((error: Error) => error);
  assert.equal(failure.message, 'refused 17');
  await first.stop();
  const second = reader();
  const afterFirst = await second.lag();
  assert.ok(afterFirst.total > 0, 'the refused batch is not committed');
  assert.ok(!seen.includes(17));
  assert.equal(afterFirst.total, THINGS - seen.length, 'exactly what was handled is committed');

  await second.start();
  await until(async () => (await second.lag()).total === 0, 'the second run to catch up');
  await second.stop();
  assert.deepEqual([...seen].sort((left, right) => left - right), Array.from({ length: THINGS }, (_, sequence) => sequence), 'every record handled once: the second run resumed at the commits');
});

// WorkerOptions.forwardTombstonesTo on the real broker: a tombstone read from the input is produced,
// same key, on the output, after the output of an earlier event of that key that was still being
// handled when the tombstone arrived; without the option it goes nowhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { envelopeFrom, EventProducer, HEADERS, noInstrumentation, Worker, type Handler, type PipelineInstrumentation } from '../src/index.js';
import { thingCreated, type TestEvents } from './support/catalog.js';
import { uniqueName, waitFor } from './support/environment.js';
import { createHarness, type Collected, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await createHarness({ partitions: 2 });
});
after(() => harness.close());

/** The records of one key, in the order they landed: `live` or `tombstone`. */
const statesOf = (records: readonly Collected[], key: string): string[] =>
  records.filter(({ message }) => message.key?.toString() === key).map(({ message }) => (message.value === null ? 'tombstone' : 'live'));

test('a tombstone is forwarded with its key and tenant header, after the output of the key\'s earlier, slower event', async () => {
  const slowMs = 1500;
  const started = new Set<string>();
  const handler: Handler<TestEvents, 'thing-created', 'thing-processed'> = async (event) => {
    const { thingId } = event.payload;
    started.add(thingId);
    // The earlier event of key `a` is still being handled when its tombstone is read.
    if (thingId === 'a') await new Promise((resolve) => setTimeout(resolve, slowMs));
    return [{ topic: harness.topics.output, type: 'thing-processed', key: thingId, value: { ...envelopeFrom(event), payload: { ...event.payload, processedBy: 'test' } } }];
  };
  const handled: string[] = [];
  const produced: string[] = [];
  const instrumentation: PipelineInstrumentation = {
    ...noInstrumentation,
    messageHandled: ({ eventType, outcome }) => void handled.push(`${eventType}:${outcome}`),
    produced: ({ topic, eventType }) => void produced.push(`${topic}:${eventType}`),
  };
  const producer = new EventProducer<TestEvents>({ kafka: harness.kafka, codec: harness.codec, instrumentation });
  const worker = new Worker<TestEvents, 'thing-created'>({
    kafka: harness.kafka, codec: harness.codec, producer, groupId: uniqueName('group'), topics: [harness.topics.input],
    deadLetterTopic: harness.topics.deadLetter, handler, heartbeatIntervalMs: 500,
    instrumentation, forwardTombstonesTo: harness.topics.output,
  });
  const output = await harness.collect(harness.topics.output);
  await worker.start();
  try {
    await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'a', value: thingCreated(1, 'a') }]);
    await waitFor(() => started.has('a'), { description: 'the slow event to start' });
    const raw = harness.kafka.producer();
    await raw.connect();
    await raw.send({
      topic: harness.topics.input,
      messages: [{ key: 'a', value: null, headers: { [HEADERS.tenantId]: 'tenant-a' } }, { key: 'b', value: null }, { key: null, value: null }],
    });
    await raw.disconnect();

    await waitFor(() => output.length === 3, { description: 'the output and two forwarded tombstones' });
    assert.deepEqual(statesOf(output, 'a'), ['live', 'tombstone'], 'the tombstone of `a` lands after the output of the earlier event');
    assert.deepEqual(statesOf(output, 'b'), ['tombstone']);
    const forwarded = output.find(({ message }) => message.key!.toString() === 'a' && message.value === null)!;
    assert.equal(forwarded.message.headers?.[HEADERS.tenantId]?.toString(), 'tenant-a');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(output.length, 3, 'the unkeyed tombstone is not forwarded');
    assert.deepEqual(handled.filter((entry) => entry.startsWith('tombstone')).sort(), ['tombstone:ok', 'tombstone:ok', 'tombstone:skipped']);
    assert.equal(produced.filter((entry) => entry === `${harness.topics.output}:tombstone`).length, 2);
  } finally {
    await worker.stop();
    await producer.disconnect();
  }
});

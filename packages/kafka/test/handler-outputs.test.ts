// The two shapes of a handler's outputs besides returned events, on the real broker: outputs
// emitted through the context while the handler runs, and returned (or emitted) tombstones. The
// runtime produces both, with its headers, and counts them.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import {
  envelopeFrom, EventProducer, HEADERS, noInstrumentation, tombstone, traceIdOf, Worker,
  type Handler, type HandlerOutput, type PipelineInstrumentation,
} from '../src/index.js';
import { thingCreated, type TestEvents } from './support/catalog.js';
import { uniqueName, waitFor } from './support/environment.js';
import { createHarness, type Collected, type Harness } from './support/harness.js';

// Topics of each test's own: a worker of the second must not read the first one's input.
let harness: Harness;
beforeEach(async () => {
  harness = await createHarness({ partitions: 1 });
});
afterEach(() => harness.close());

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A worker on the harness's input whose producer reports what it produced. */
const startWorker = async (handler: Handler<TestEvents, 'thing-created', 'thing-processed' | 'tombstone'>) => {
  const produced: string[] = [];
  const instrumentation: PipelineInstrumentation = { ...noInstrumentation, produced: ({ topic, eventType, count }) => void produced.push(`${topic}:${eventType}:${count}`) };
  const producer = new EventProducer<TestEvents>({ kafka: harness.kafka, codec: harness.codec, instrumentation });
  const worker = new Worker<TestEvents, 'thing-created'>({
    kafka: harness.kafka, codec: harness.codec, producer, groupId: uniqueName('group'), topics: [harness.topics.input],
    deadLetterTopic: harness.topics.deadLetter, handler, maxAttempts: 1, heartbeatIntervalMs: 500, instrumentation,
  });
  await worker.start();
  return { produced, stop: async () => (await worker.stop(), await producer.disconnect()) };
};

/** A thing-processed output of `event` with its own correlation id in the envelope: the runtime's header must win. */
const processed = (event: TestEvents['thing-created'], processedBy: string): HandlerOutput<Pick<TestEvents, 'thing-processed'>> => ({
  topic: harness.topics.output, type: 'thing-processed', key: event.payload.thingId,
  value: { ...envelopeFrom(event), correlationId: `not-${event.correlationId}`, payload: { ...event.payload, processedBy } },
});

const header = (record: Collected, name: string): string | undefined => record.message.headers?.[name]?.toString();
const byKey = (records: readonly Collected[], key: string): Collected[] => records.filter(({ message }) => message.key?.toString() === key);

test('outputs emitted while the handler runs are produced at once, with the correlation and trace headers of its returned outputs, before them, and counted', async () => {
  const output = await harness.collect(harness.topics.output);
  const leftWhileRunning: boolean[] = [];
  const { produced, stop } = await startWorker(async (event, context) => {
    await context.emit([processed(event, 'streamed-1')]);
    await context.emit([processed(event, 'streamed-2')]);
    // Acknowledged means on the topic: the collector sees both before the handler returns.
    leftWhileRunning.push(await waitFor(() => byKey(output, 'a').length === 2, { description: 'the emitted outputs while the handler runs' }));
    return [processed(event, 'returned')];
  });
  try {
    await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'a', value: thingCreated(1, 'a'), headers: { [HEADERS.traceparent]: PARENT } }]);
    await waitFor(() => byKey(output, 'a').length === 3, { description: 'two emitted outputs and the returned one' });
    assert.deepEqual(leftWhileRunning, [true]);
    const records = byKey(output, 'a');
    assert.deepEqual(records.map(({ decoded }) => (decoded?.value as TestEvents['thing-processed']).payload.processedBy), ['streamed-1', 'streamed-2', 'returned']);
    const traceparents = records.map((record) => header(record, HEADERS.traceparent));
    assert.equal(new Set(traceparents).size, 1, 'every output of the hop carries the same traceparent');
    assert.equal(traceIdOf(traceparents[0]), traceIdOf(PARENT), 'in the input\'s trace');
    assert.notEqual(traceparents[0], PARENT, 'as a new span of it');
    assert.deepEqual(records.map((record) => header(record, HEADERS.correlationId)), ['request-1', 'request-1', 'request-1'], 'the input\'s correlation id');
    await waitFor(() => produced.length === 3, { description: 'the producer to count all three' });
    assert.deepEqual(produced, [`${harness.topics.output}:thing-processed:1`, `${harness.topics.output}:thing-processed:1`, `${harness.topics.output}:thing-processed:1`]);
  } finally {
    await stop();
  }
});

test('tombstones a handler emits or returns are produced in order with its events, with the input\'s tenant header, and counted', async () => {
  const output = await harness.collect(harness.topics.output);
  const { produced, stop } = await startWorker(async (event, context) => {
    await context.emit([tombstone(harness.topics.output, 'b')]);
    return [processed(event, 'after-the-tombstone'), tombstone(harness.topics.output, 'c')];
  });
  try {
    await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'b', value: { ...thingCreated(2, 'b'), tenantId: 'tenant-b' } }]);
    await waitFor(() => byKey(output, 'c').length === 1, { description: 'the returned tombstone' });
    assert.deepEqual(byKey(output, 'b').map(({ message }) => (message.value === null ? 'tombstone' : 'live')), ['tombstone', 'live'], 'the emitted tombstone lands before the returned event of its key');
    const tombstones = output.filter(({ message }) => message.value === null);
    assert.deepEqual(tombstones.map(({ message }) => message.key?.toString()), ['b', 'c']);
    assert.deepEqual(tombstones.map((record) => header(record, HEADERS.tenantId)), ['tenant-b', 'tenant-b']);
    assert.deepEqual(tombstones.map(({ message }) => Object.keys(message.headers ?? {})), [[HEADERS.tenantId], [HEADERS.tenantId]], 'the tenant id is a tombstone\'s one header');
    await waitFor(() => produced.length === 3, { description: 'the producer to count all three' });
    assert.deepEqual(produced, [`${harness.topics.output}:tombstone:1`, `${harness.topics.output}:thing-processed:1`, `${harness.topics.output}:tombstone:1`]);
  } finally {
    await stop();
  }
});

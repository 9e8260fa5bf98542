import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { Message } from 'kafkajs';
import { HEADERS, NonRetriableError, RetriableError, Worker, envelopeFrom, type Handler, type WorkerOptions } from '../src/index.js';
import { thingCreated, type TestEvents } from './support/catalog.js';
import { uniqueName, waitFor } from './support/environment.js';
import { createHarness, type Harness } from './support/harness.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const startWorker = async (harness: Harness, handler: Handler<TestEvents>, options: Partial<WorkerOptions<TestEvents>> = {}): Promise<Worker<TestEvents>> => {
  const worker = new Worker<TestEvents>({
    kafka: harness.kafka, codec: harness.codec, producer: harness.producer, groupId: uniqueName('group'),
    topics: [harness.topics.input], deadLetterTopic: harness.topics.deadLetter, handler,
    retryInitialDelayMs: 20, retryMaxDelayMs: 100, heartbeatIntervalMs: 500,
    ...options,
  });
  cleanups.push(() => worker.stop());
  await worker.start();
  return worker;
};

/** Records as they are on the wire (not through EventProducer): garbage, nulls, hand-set headers. */
const sendRaw = async (harness: Harness, messages: Message[]): Promise<void> => {
  const raw = harness.kafka.producer();
  await raw.connect();
  cleanups.push(() => raw.disconnect());
  await raw.send({ topic: harness.topics.input, messages });
};

const setup = async (): Promise<Harness> => {
  const harness = await createHarness();
  cleanups.push(() => harness.close());
  return harness;
};

const processed = (harness: Harness): Handler<TestEvents, 'thing-created', 'thing-processed'> => (event) => Promise.resolve([
  { topic: harness.topics.output, type: 'thing-processed', key: event.payload.thingId, value: { ...envelopeFrom(event), payload: { ...event.payload, processedBy: 'test' } } },
]);

test('a handler that fails twice and then succeeds publishes its output exactly once', async () => {
  const harness = await setup();
  const attempts = new Map<string, number>();
  const handle = processed(harness);
  await startWorker(harness, async (event, context) => {
    const id = (event as TestEvents['thing-created']).payload.thingId;
    attempts.set(id, context.attempt);
    if (context.attempt <= 2) throw new RetriableError('upstream busy');
    return handle(event as TestEvents['thing-created'], context as never);
  });
  const output = await harness.collect(harness.topics.output);
  const deadLetters = await harness.collect(harness.topics.deadLetter);
  await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'a', value: thingCreated(1, 'a') }]);

  await waitFor(() => output.length === 1, { description: 'the output event' });
  assert.equal(attempts.get('a'), 3);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(output.length, 1, 'no duplicate output');
  assert.equal(deadLetters.length, 0);
  assert.equal(output[0]!.decoded?.type, 'thing-processed');
  assert.equal(output[0]!.message.headers?.[HEADERS.correlationId]?.toString(), 'request-1', 'correlation id carried');
  assert.match(output[0]!.message.headers?.[HEADERS.traceparent]?.toString() ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
});

test('a handler that always fails dead-letters the event with its error, and the partition keeps moving', async () => {
  const harness = await setup();
  const handle = processed(harness);
  await startWorker(harness, async (event, context) => {
    const created = event as TestEvents['thing-created'];
    if (created.payload.thingId === 'poison') throw new Error('cannot handle poison');
    return handle(created, context as never);
  }, { maxAttempts: 3 });
  const output = await harness.collect(harness.topics.output);
  const deadLetters = await harness.collect(harness.topics.deadLetter);
  // Same key: same partition, so "later" really is behind the poison event.
  await harness.producer.send([
    { topic: harness.topics.input, type: 'thing-created', key: 'k', value: thingCreated(1, 'poison') },
    { topic: harness.topics.input, type: 'thing-created', key: 'k', value: thingCreated(2, 'later') },
  ]);

  await waitFor(() => output.length === 1 && deadLetters.length === 1, { description: 'one output and one dead letter' });
  const letter = deadLetters[0]!;
  const headers = letter.message.headers!;
  assert.equal(headers[HEADERS.deadLetter.reason]?.toString(), 'handler_failed');
  assert.equal(headers[HEADERS.deadLetter.error]?.toString(), 'cannot handle poison');
  assert.equal(headers[HEADERS.deadLetter.attempts]?.toString(), '3');
  assert.equal(headers[HEADERS.deadLetter.originalTopic]?.toString(), harness.topics.input);
  assert.equal(letter.decoded?.type, 'event-dead-lettered');
  const { payload } = letter.decoded.value;
  assert.equal(headers[HEADERS.eventType]?.toString(), 'event-dead-lettered', 'the header names the dead letter, not the original event');
  assert.equal(headers[HEADERS.eventId]?.toString(), letter.decoded.value.eventId);
  assert.equal((payload.originalHeaders as Record<string, string>)[HEADERS.eventType], 'thing-created', 'the original type stays in the payload');
  assert.equal(payload.errorMessage, 'cannot handle poison');
  const original = await harness.codec.decode(payload.originalValue as Buffer);
  assert.equal((original.value as TestEvents['thing-created']).payload.thingId, 'poison', 'the original bytes are kept');
  assert.equal((output[0]!.decoded!.value as TestEvents['thing-processed']).payload.thingId, 'later');
});

test('a non-retriable error is dead-lettered on the first attempt', async () => {
  const harness = await setup();
  let calls = 0;
  await startWorker(harness, () => {
    calls += 1;
    return Promise.reject(new NonRetriableError('malformed thing', { code: 'invalid_thing' }));
  });
  const deadLetters = await harness.collect(harness.topics.deadLetter);
  await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'x', value: thingCreated(1) }]);
  await waitFor(() => deadLetters.length === 1, { description: 'the dead letter' });
  assert.equal(calls, 1);
  assert.equal(deadLetters[0]!.message.headers?.[HEADERS.deadLetter.reason]?.toString(), 'invalid_thing');
});

test('garbage and unknown schema ids on a consumed topic are dead-lettered, a tombstone is skipped, and the consumer stays alive', async () => {
  const harness = await setup();
  await startWorker(harness, processed(harness) as Handler<TestEvents>);
  const output = await harness.collect(harness.topics.output);
  const deadLetters = await harness.collect(harness.topics.deadLetter);
  await sendRaw(harness, [
    { key: 'g', value: Buffer.from('definitely not avro') },
    { key: 'g', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf1, 9, 9]) },
    { key: 'g', value: null },
  ]);
  await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'g', value: thingCreated(5, 'good') }]);

  await waitFor(() => deadLetters.length === 2 && output.length === 1, { description: 'two dead letters and the good event' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const reasons = deadLetters.map((letter) => letter.message.headers?.[HEADERS.deadLetter.reason]?.toString()).sort();
  assert.deepEqual(reasons, ['decode_failed', 'unknown_schema'], 'the tombstone (null value) is not a dead letter');
  assert.equal(output.length, 1, 'nor handed to the handler');
});

test('a record whose event-type header names a type the worker does not take is skipped before decoding; one it takes is still checked', async () => {
  const harness = await setup();
  await startWorker(harness, processed(harness) as Handler<TestEvents>, { eventTypes: ['thing-created'] });
  const output = await harness.collect(harness.topics.output);
  const deadLetters = await harness.collect(harness.topics.deadLetter);
  await sendRaw(harness, [
    // Not Avro at all: were it decoded, it would be dead-lettered as decode_failed.
    { key: 's', value: Buffer.from('never decoded'), headers: { [HEADERS.eventType]: 'thing-processed' } },
    // Named as a type the worker takes: decoded, found broken, dead-lettered.
    { key: 's', value: Buffer.from('decoded and refused'), headers: { [HEADERS.eventType]: 'thing-created' } },
  ]);
  await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 's', value: thingCreated(6, 'taken') }]);

  await waitFor(() => deadLetters.length === 1 && output.length === 1, { description: 'one dead letter and the taken event' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(deadLetters.length, 1, 'the skipped record was not decoded (it would have been a second dead letter)');
  assert.ok(deadLetters[0]!.message.value?.includes('decoded and refused'), 'the dead letter is the record named thing-created');
  assert.equal(deadLetters[0]!.message.headers?.[HEADERS.deadLetter.reason]?.toString(), 'decode_failed');
  assert.equal(output.length, 1);
});

test('events with the same key are handled in order while other keys run concurrently', async () => {
  const harness = await setup();
  const seen = new Map<string, number[]>();
  let concurrent = 0;
  let maxConcurrent = 0;
  await startWorker(harness, async (event) => {
    const { thingId, sequence } = (event as TestEvents['thing-created']).payload;
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 15));
    seen.set(thingId, [...(seen.get(thingId) ?? []), sequence]);
    concurrent -= 1;
  }, { maxInFlightPerPartition: 8 });
  const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
  const events = keys.flatMap((key) => Array.from({ length: 20 }, (_, index) => ({ topic: harness.topics.input, type: 'thing-created' as const, key, value: thingCreated(index, key) })));
  await harness.producer.send(events);
  await waitFor(() => [...seen.values()].reduce((sum, list) => sum + list.length, 0) === events.length, { description: 'all events handled' });
  for (const key of keys) assert.deepEqual(seen.get(key), Array.from({ length: 20 }, (_, index) => index), `order of ${key}`);
  assert.ok(maxConcurrent > 1, `handlers ran concurrently (max ${maxConcurrent})`);
});

test('a worker given fixed partitions reads those partitions and nothing else', async () => {
  const harness = await setup();
  const seen: number[] = [];
  await startWorker(harness, (_event, context) => {
    seen.push(context.partition);
    return Promise.resolve();
  }, { partitions: [1], fromBeginning: true });
  await harness.producer.send([0, 1, 2, 1].map((partition, index) => ({
    topic: harness.topics.input, type: 'thing-created' as const, key: `k${index}`, value: thingCreated(index, `t${index}`), partition,
  })));
  await waitFor(() => seen.length >= 2, { description: 'the two events of partition 1' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(seen, [1, 1], 'events of partitions 0 and 2 are not read');
});

test('a long handler does not hold back events that arrive after it started, even on the same partition', async () => {
  const harness = await setup();
  const finishedAt = new Map<string, number>();
  let releaseSlow!: () => void;
  const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
  await startWorker(harness, async (event) => {
    const id = (event as TestEvents['thing-created']).payload.thingId;
    if (id === 'slow') await slowGate;
    finishedAt.set(id, Date.now());
  });
  const send = (id: string) => harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: id, value: thingCreated(1, id), partition: 0 }]);
  try {
    await send('slow');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sentFast = Date.now();
    await send('fast');
    await waitFor(() => finishedAt.has('fast'), { description: 'the later event, while the slow one still runs', timeoutMs: 5_000 });
    assert.ok(!finishedAt.has('slow'), 'the slow handler is still running');
    assert.ok(finishedAt.get('fast')! - sentFast < 2_000, `handled ${finishedAt.get('fast')! - sentFast} ms after it was sent`);
  } finally {
    releaseSlow();
  }
  await waitFor(() => finishedAt.has('slow'), { description: 'the slow event' });
});

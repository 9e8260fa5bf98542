// The runtime's tracing with the real tracer of @rivulet/observability, a collector receiving its
// OTLP export, and the real broker: span per handled event, its ids in the outputs' headers.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, test } from 'node:test';
import { createLogger, createTracing, startTraceCollector, type TraceCollector, type Tracing } from '@rivulet/observability';
import { HEADERS, NonRetriableError, Worker, envelopeFrom, spanIdOf, traceIdOf, type Handler } from '../src/index.js';
import { thingCreated, type TestEvents } from './support/catalog.js';
import { uniqueName, waitFor } from './support/environment.js';
import { createHarness, type Harness } from './support/harness.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const setup = async (): Promise<{ harness: Harness; collector: TraceCollector; tracing: Tracing; logs: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> }> => {
  const harness = await createHarness({ partitions: 1 });
  cleanups.push(() => harness.close());
  const collector = await startTraceCollector();
  cleanups.push(() => collector.close());
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>));
      callback();
    },
  });
  const logger = createLogger({ name: 'kafka-tracing-test', level: 'debug', destination });
  const tracing = createTracing({ endpoint: collector.url, serviceName: 'rivulet-test', logger });
  assert.ok(tracing);
  await tracing.ready;
  return { harness, collector, tracing, logs, logger };
};

const startWorker = async (harness: Harness, setupResult: { tracing: Tracing; logger: ReturnType<typeof createLogger> }, handler: Handler<TestEvents>, groupId: string): Promise<Worker<TestEvents>> => {
  const worker = new Worker<TestEvents>({
    kafka: harness.kafka, codec: harness.codec, producer: harness.producer, groupId,
    topics: [harness.topics.input], deadLetterTopic: harness.topics.deadLetter, handler, maxAttempts: 1, heartbeatIntervalMs: 500,
    tracer: setupResult.tracing.tracer, logger: setupResult.logger,
  });
  cleanups.push(() => worker.stop());
  await worker.start();
  return worker;
};

test('a handled event gets a consumer span, child of its traceparent, whose ids are the outputs\' traceparent', async () => {
  const context = await setup();
  const { harness, collector, tracing, logs } = context;
  const seen: (string | undefined)[] = [];
  const groupId = uniqueName('group');
  await startWorker(harness, context, (event, handlerContext) => {
    seen.push(handlerContext.traceparent);
    const created = event as TestEvents['thing-created'];
    return Promise.resolve([{ topic: harness.topics.output, type: 'thing-processed', key: created.payload.thingId, value: { ...envelopeFrom(created), payload: { ...created.payload, processedBy: 'test' } } }]);
  }, groupId);
  const output = await harness.collect(harness.topics.output);
  await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'a', value: thingCreated(1, 'a'), headers: { [HEADERS.traceparent]: PARENT } }]);
  await waitFor(() => output.length === 1, { description: 'the output event' });
  await tracing.shutdown();

  const traceparent = output[0]!.message.headers?.[HEADERS.traceparent]?.toString();
  assert.equal(traceIdOf(traceparent), traceIdOf(PARENT), 'the output stays in the incoming trace');
  assert.deepEqual(seen, [traceparent], 'the handler saw the traceparent its outputs carry');
  const [span, ...others] = collector.spans;
  assert.ok(span, 'one span exported');
  assert.equal(others.length, 0);
  assert.equal(span.traceId, traceIdOf(PARENT));
  assert.equal(span.parentSpanId, spanIdOf(PARENT), 'the parent is the span that wrote the incoming header');
  assert.equal(span.spanId, spanIdOf(traceparent), 'the exported span is the one the output header names');
  assert.equal(span.kind, 5, 'CONSUMER');
  assert.equal(span.name, `process ${harness.topics.input}`);
  assert.deepEqual(
    Object.fromEntries(['messaging.system', 'messaging.operation.type', 'messaging.destination.name', 'messaging.destination.partition.id', 'messaging.kafka.offset', 'messaging.consumer.group.name', 'rivulet.event_type', 'rivulet.request_id', 'rivulet.tenant_id'].map((key) => [key, span.attributes[key]])),
    {
      'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.destination.name': harness.topics.input, 'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 0, 'messaging.consumer.group.name': groupId, 'rivulet.event_type': 'thing-created',
      'rivulet.request_id': 'request-1', 'rivulet.tenant_id': 'tenant-a',
    },
  );
  assert.equal(span.status.code, 0);
  const handled = logs.find((line) => line.msg === 'event handled');
  assert.ok(handled, 'a debug line per handled event');
  assert.deepEqual([handled.traceId, handled.spanId, handled.requestId], [traceIdOf(PARENT), span.spanId, 'request-1']);
});

test('a dead-lettered event\'s span is marked ERROR with the error code; the dead letter and its log line carry the trace', async () => {
  const context = await setup();
  const { harness, collector, tracing, logs } = context;
  await startWorker(harness, context, () => Promise.reject(new NonRetriableError('cannot handle poison')), uniqueName('group'));
  const deadLetters = await harness.collect(harness.topics.deadLetter);
  await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'p', value: thingCreated(2, 'poison'), headers: { [HEADERS.traceparent]: PARENT } }]);
  await waitFor(() => deadLetters.length === 1, { description: 'the dead letter' });
  await tracing.shutdown();

  const [span] = collector.spans;
  assert.ok(span);
  assert.equal(span.status.code, 2, 'ERROR');
  assert.equal(span.status.message, 'cannot handle poison');
  assert.equal(span.attributes['error.type'], deadLetters[0]!.message.headers?.[HEADERS.deadLetter.reason]?.toString());
  assert.equal(span.attributes['rivulet.attempts'], 1);
  assert.equal(spanIdOf(deadLetters[0]!.message.headers?.[HEADERS.traceparent]?.toString()), span.spanId, 'the dead letter names the failed hop');
  const logged = logs.find((line) => line.msg === 'event dead-lettered');
  assert.deepEqual([logged?.traceId, logged?.spanId, logged?.requestId], [traceIdOf(PARENT), span.spanId, 'request-2']);
});

test('without a tracer the outputs still continue the incoming trace with a span id of their own', async () => {
  const harness = await createHarness({ partitions: 1 });
  cleanups.push(() => harness.close());
  const worker = new Worker<TestEvents>({
    kafka: harness.kafka, codec: harness.codec, producer: harness.producer, groupId: uniqueName('group'), topics: [harness.topics.input],
    deadLetterTopic: harness.topics.deadLetter, heartbeatIntervalMs: 500,
    handler: (event) => {
      const created = event as TestEvents['thing-created'];
      return Promise.resolve([{ topic: harness.topics.output, type: 'thing-processed', key: 'a', value: { ...envelopeFrom(created), payload: { ...created.payload, processedBy: 'test' } } }]);
    },
  });
  cleanups.push(() => worker.stop());
  await worker.start();
  const output = await harness.collect(harness.topics.output);
  await harness.producer.send([{ topic: harness.topics.input, type: 'thing-created', key: 'a', value: thingCreated(3, 'a'), headers: { [HEADERS.traceparent]: PARENT } }]);
  await waitFor(() => output.length === 1, { description: 'the output event' });
  const traceparent = output[0]!.message.headers?.[HEADERS.traceparent]?.toString();
  assert.equal(traceIdOf(traceparent), traceIdOf(PARENT));
  assert.notEqual(spanIdOf(traceparent), spanIdOf(PARENT));
});

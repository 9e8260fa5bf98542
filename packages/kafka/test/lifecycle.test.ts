import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { createMetrics, createPipelineMetrics } from '@rivulet/observability';
import { noInstrumentation, Worker, type Handler, type PipelineInstrumentation } from '../src/index.js';
import { thingCreated, type TestEvents } from './support/catalog.js';
import { uniqueName, waitFor } from './support/environment.js';
import { createHarness, type Harness } from './support/harness.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const setup = async (): Promise<Harness> => {
  const harness = await createHarness({ partitions: 2 });
  cleanups.push(() => harness.close());
  return harness;
};

const worker = (harness: Harness, groupId: string, handler: Handler<TestEvents>, instrumentation: PipelineInstrumentation = noInstrumentation) =>
  new Worker<TestEvents>({
    kafka: harness.kafka, codec: harness.codec, producer: harness.producer, groupId, topics: [harness.topics.input],
    deadLetterTopic: harness.topics.deadLetter, handler, instrumentation,
    sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, retryInitialDelayMs: 20,
  });

test('a handler that runs longer than the session timeout keeps its group membership (no rebalance, no redelivery)', { timeout: 60_000 }, async () => {
  const harness = await setup();
  let joins = 0;
  const calls = new Map<number, number>();
  const slow = worker(harness, uniqueName('slow'), async (event) => {
    const { sequence } = (event as TestEvents['thing-created']).payload;
    calls.set(sequence, (calls.get(sequence) ?? 0) + 1);
    if (sequence === 0) await new Promise((resolve) => setTimeout(resolve, 10_000)); // > 6 s session timeout
  }, { ...noInstrumentation, rebalance: () => (joins += 1) });
  cleanups.push(() => slow.stop());
  await slow.start();
  await harness.producer.send([0, 1, 2].map((sequence) => ({ topic: harness.topics.input, type: 'thing-created' as const, key: 'same', value: thingCreated(sequence) })));
  await waitFor(() => calls.size === 3, { timeoutMs: 40_000, description: 'all three events' });
  assert.deepEqual([...calls.values()], [1, 1, 1], 'each event handled once');
  assert.equal(joins, 1, 'the group was joined once and never rebalanced');
});

test('SIGTERM-style stop finishes in-flight work and commits it: a restarted worker handles only the rest, no duplicates', { timeout: 90_000 }, async () => {
  const harness = await setup();
  const groupId = uniqueName('graceful');
  const handled: number[] = [];
  const handler: Handler<TestEvents> = async (event) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    handled.push((event as TestEvents['thing-created']).payload.sequence);
  };
  const events = Array.from({ length: 300 }, (_, sequence) => ({ topic: harness.topics.input, type: 'thing-created' as const, key: `k${sequence % 10}`, value: thingCreated(sequence) }));
  await harness.producer.send(events);

  const first = worker(harness, groupId, handler);
  await first.start();
  await waitFor(() => handled.length >= 50, { description: 'some progress' });
  await first.stop();
  const handledByFirst = handled.length;
  assert.ok(handledByFirst < events.length, `stopped mid-stream (${handledByFirst} handled)`);

  const second = worker(harness, groupId, handler);
  cleanups.push(() => second.stop());
  await second.start();
  await waitFor(() => new Set(handled).size === events.length, { timeoutMs: 60_000, description: 'every event handled' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(handled.length, events.length, `no event handled twice (${handled.length - new Set(handled).size} duplicates)`);
});

test('the runtime\'s instrumentation becomes Prometheus metrics through @rivulet/observability', { timeout: 60_000 }, async () => {
  const harness = await setup();
  const metrics = createMetrics({ collectDefaultMetrics: false });
  const instrumented = worker(harness, uniqueName('metrics'), async (event) => {
    if ((event as TestEvents['thing-created']).payload.sequence === 1) throw new Error('boom');
    return Promise.resolve();
  }, createPipelineMetrics(metrics));
  cleanups.push(() => instrumented.stop());
  await instrumented.start();
  await harness.producer.send([0, 1, 2].map((sequence) => ({ topic: harness.topics.input, type: 'thing-created' as const, key: `k${sequence}`, value: thingCreated(sequence) })));
  const text = await waitFor(async () => {
    const rendered = await metrics.render();
    return /rivulet_dead_letters_total\{[^}]*\} 1/.test(rendered) ? rendered : undefined;
  }, { description: 'the dead letter in /metrics' });
  assert.match(text, /rivulet_consumer_messages_total\{[^}]*outcome="ok"[^}]*\} 2/);
  assert.match(text, /rivulet_consumer_handle_duration_seconds_count\{[^}]*\} \d+/);
  assert.match(text, /rivulet_stage_latency_seconds_count\{[^}]*\} 3/);
  assert.match(text, /rivulet_consumer_rebalances_total\{[^}]*\} 1/);
});

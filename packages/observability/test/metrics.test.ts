import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics, createPipelineMetrics, noopPipelineInstrumentation, type PipelineInstrumentation } from '../src/index.js';

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

await test('metrics: own registry with default process metrics, prefix and default labels', async () => {
  const metrics = createMetrics({ prefix: 'embedding_', defaultLabels: { service: 'embedding' } });
  const other = createMetrics({ collectDefaultMetrics: false });
  metrics.counter({ name: 'things_total', help: 'Things.' }).inc(2);
  const text = await metrics.render();
  assert.match(text, /^# TYPE embedding_process_cpu_user_seconds_total counter$/m);
  assert.match(text, /^embedding_nodejs_heap_size_total_bytes\{service="embedding"\} \d+/m);
  assert.equal(sample(text, 'things_total{service="embedding"}'), 2);
  assert.equal(await other.render(), '\n', 'registries do not share metrics');
  assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
});

await test('metrics: asking twice for a metric returns the same one; another type is refused', () => {
  const metrics = createMetrics({ collectDefaultMetrics: false });
  const first = metrics.counter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['kind'] });
  assert.equal(metrics.counter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['kind'] }), first);
  assert.throws(() => metrics.gauge({ name: 'jobs_total', help: 'Jobs.' }), /already registered with another type/);
});

await test('pipeline metrics: every call shows up under its documented name', async () => {
  const metrics = createMetrics({ collectDefaultMetrics: false });
  const instrumentation: PipelineInstrumentation = createPipelineMetrics(metrics);
  const where = { group: 'embedding', topic: 'chunks' };
  instrumentation.messageHandled({ ...where, partition: 0, eventType: 'chunk-created', outcome: 'ok', durationSeconds: 0.2, attempts: 1 });
  instrumentation.messageHandled({ ...where, partition: 1, eventType: 'chunk-created', outcome: 'dead_lettered', durationSeconds: 3, attempts: 5 });
  instrumentation.batchProcessed({ ...where, partition: 0, size: 12 });
  instrumentation.deadLettered({ ...where, reason: 'invalid_request' });
  instrumentation.consumerLag({ ...where, partition: 3, lag: 42 });
  instrumentation.rebalance({ group: 'embedding', memberId: 'member-1', assigned: [{ topic: 'chunks', partitions: [0, 1, 3] }] });
  instrumentation.produced({ topic: 'embeddings', eventType: 'chunk-embedded', count: 7 });
  instrumentation.stageLatency({ ...where, seconds: 1.5 });
  instrumentation.sinceAccepted({ ...where, seconds: 0.02 });
  const text = await metrics.render();

  const labels = 'group="embedding",topic="chunks"';
  assert.equal(sample(text, `rivulet_consumer_messages_total{${labels},event_type="chunk-created",outcome="ok"}`), 1);
  assert.equal(sample(text, `rivulet_consumer_messages_total{${labels},event_type="chunk-created",outcome="dead_lettered"}`), 1);
  assert.equal(sample(text, `rivulet_consumer_handle_duration_seconds_count{${labels},event_type="chunk-created",outcome="ok"}`), 1);
  assert.equal(sample(text, `rivulet_consumer_handle_duration_seconds_sum{${labels},event_type="chunk-created",outcome="dead_lettered"}`), 3);
  assert.equal(sample(text, `rivulet_consumer_retries_total{${labels},event_type="chunk-created"}`), 4);
  assert.equal(sample(text, `rivulet_consumer_batch_size_sum{${labels}}`), 12);
  assert.equal(sample(text, `rivulet_dead_letters_total{${labels},reason="invalid_request"}`), 1);
  assert.equal(sample(text, `rivulet_consumer_lag{${labels},partition="3"}`), 42);
  assert.equal(sample(text, 'rivulet_consumer_rebalances_total{group="embedding"}'), 1);
  assert.equal(sample(text, `rivulet_consumer_assigned_partitions{${labels}}`), 3);
  assert.equal(sample(text, 'rivulet_produced_events_total{topic="embeddings",event_type="chunk-embedded"}'), 7);
  assert.equal(sample(text, `rivulet_stage_latency_seconds_count{${labels}}`), 1);
  assert.equal(sample(text, `rivulet_stage_latency_seconds_bucket{le="2.5",${labels}}`), 1);
  assert.equal(sample(text, `rivulet_request_stage_latency_seconds_bucket{le="0.025",${labels}}`), 1);
  assert.equal(sample(text, `rivulet_request_stage_latency_seconds_bucket{le="0.01",${labels}}`), 0);
});

await test('pipeline metrics: a rebalance drops lag and assignment of what this member lost', async () => {
  const metrics = createMetrics({ collectDefaultMetrics: false });
  const instrumentation = createPipelineMetrics(metrics);
  instrumentation.rebalance({ group: 'g', memberId: 'm', assigned: [{ topic: 'a', partitions: [0, 1] }, { topic: 'b', partitions: [0] }] });
  instrumentation.consumerLag({ group: 'g', topic: 'a', partition: 0, lag: 5 });
  instrumentation.consumerLag({ group: 'g', topic: 'a', partition: 1, lag: 6 });
  instrumentation.rebalance({ group: 'g', memberId: 'm', assigned: [{ topic: 'a', partitions: [0] }] });
  const text = await metrics.render();
  assert.equal(sample(text, 'rivulet_consumer_lag{group="g",topic="a",partition="0"}'), 5);
  assert.equal(sample(text, 'rivulet_consumer_lag{group="g",topic="a",partition="1"}'), undefined);
  assert.equal(sample(text, 'rivulet_consumer_assigned_partitions{group="g",topic="a"}'), 1);
  assert.equal(sample(text, 'rivulet_consumer_assigned_partitions{group="g",topic="b"}'), 0);
  assert.equal(sample(text, 'rivulet_consumer_rebalances_total{group="g"}'), 2);
});

await test('pipeline metrics: two instrumentations on one registry share series; the no-op records nothing', async () => {
  const metrics = createMetrics({ collectDefaultMetrics: false });
  createPipelineMetrics(metrics).produced({ topic: 't', eventType: 'e', count: 1 });
  createPipelineMetrics(metrics).produced({ topic: 't', eventType: 'e', count: 2 });
  noopPipelineInstrumentation.produced({ topic: 't', eventType: 'e', count: 100 });
  assert.equal(sample(await metrics.render(), 'rivulet_produced_events_total{topic="t",event_type="e"}'), 3);
});

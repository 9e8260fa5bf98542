import type { Metrics } from './metrics.js';
import type { PipelineInstrumentation } from './pipeline-instrumentation.js';

// Handlers may call language models, so durations reach minutes.
const handleDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const batchSizeBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
const stageLatencyBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/**
 * Records the consumer runtime's events as Prometheus series in `metrics`. Partition is a
 * label only on lag and assignment; on the rest it would multiply series for little gain.
 */
export const createPipelineMetrics = (metrics: Metrics): PipelineInstrumentation => {
  const messages = metrics.counter({
    name: 'rivulet_consumer_messages_total', help: 'Events handled by consumers, by outcome.',
    labelNames: ['group', 'topic', 'event_type', 'outcome'],
  });
  const handleDuration = metrics.histogram({
    name: 'rivulet_consumer_handle_duration_seconds', help: 'Time to handle one event, all attempts included.',
    labelNames: ['group', 'topic', 'event_type', 'outcome'], buckets: handleDurationBuckets,
  });
  const retries = metrics.counter({
    name: 'rivulet_consumer_retries_total', help: 'Handler attempts beyond the first.',
    labelNames: ['group', 'topic', 'event_type'],
  });
  const batchSize = metrics.histogram({
    name: 'rivulet_consumer_batch_size', help: 'Events per fetched batch.', labelNames: ['group', 'topic'], buckets: batchSizeBuckets,
  });
  const deadLetters = metrics.counter({
    name: 'rivulet_dead_letters_total', help: 'Events sent to a dead-letter topic.', labelNames: ['group', 'topic', 'reason'],
  });
  const lag = metrics.gauge({
    name: 'rivulet_consumer_lag', help: 'Messages between the committed offset and the high watermark.',
    labelNames: ['group', 'topic', 'partition'],
  });
  const rebalances = metrics.counter({
    name: 'rivulet_consumer_rebalances_total', help: 'Consumer group rebalances seen by this member.', labelNames: ['group'],
  });
  const assignedPartitions = metrics.gauge({
    name: 'rivulet_consumer_assigned_partitions', help: 'Partitions assigned to this member.', labelNames: ['group', 'topic'],
  });
  const produced = metrics.counter({
    name: 'rivulet_produced_events_total', help: 'Events produced, by topic and type.', labelNames: ['topic', 'event_type'],
  });
  const stageLatency = metrics.histogram({
    name: 'rivulet_stage_latency_seconds', help: 'Time from an event being created (occurredAt) to its handling in this stage.',
    labelNames: ['group', 'topic'], buckets: stageLatencyBuckets,
  });

  const sinceAccepted = metrics.histogram({
    name: 'rivulet_request_stage_latency_seconds', help: 'Time from the ingress accepting a chat or search request (request.acceptedAt) to its handling in this stage: the pipeline\'s latency up to each worker.',
    labelNames: ['group', 'topic'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });

  // After a rebalance, series of partitions and topics this member lost would otherwise stay frozen.
  const lagSeries = new Map<string, Map<string, { topic: string; partition: number }>>();
  const assignedTopics = new Map<string, Set<string>>();

  return {
    messageHandled: ({ group, topic, eventType, outcome, durationSeconds, attempts }) => {
      messages.inc({ group, topic, event_type: eventType, outcome });
      handleDuration.observe({ group, topic, event_type: eventType, outcome }, Math.max(0, durationSeconds));
      if (attempts > 1) retries.inc({ group, topic, event_type: eventType }, attempts - 1);
    },
    batchProcessed: ({ group, topic, size }) => batchSize.observe({ group, topic }, size),
    deadLettered: ({ group, topic, reason }) => deadLetters.inc({ group, topic, reason }),
    consumerLag: ({ group, topic, partition, lag: value }) => {
      lag.set({ group, topic, partition }, Math.max(0, value));
      const series = lagSeries.get(group) ?? new Map<string, { topic: string; partition: number }>();
      series.set(`${topic}:${partition}`, { topic, partition });
      lagSeries.set(group, series);
    },
    rebalance: ({ group, assigned }) => {
      rebalances.inc({ group });
      const kept = new Set(assigned.flatMap(({ topic, partitions }) => partitions.map((partition) => `${topic}:${partition}`)));
      for (const [key, { topic, partition }] of lagSeries.get(group) ?? []) {
        if (kept.has(key)) continue;
        lag.remove({ group, topic, partition });
        lagSeries.get(group)?.delete(key);
      }
      const topics = new Set(assigned.map(({ topic }) => topic));
      for (const topic of assignedTopics.get(group) ?? []) if (!topics.has(topic)) assignedPartitions.set({ group, topic }, 0);
      for (const { topic, partitions } of assigned) assignedPartitions.set({ group, topic }, partitions.length);
      assignedTopics.set(group, topics);
    },
    produced: ({ topic, eventType, count }) => {
      if (count > 0) produced.inc({ topic, event_type: eventType }, count);
    },
    stageLatency: ({ group, topic, seconds }) => stageLatency.observe({ group, topic }, Math.max(0, seconds)),
    sinceAccepted: ({ group, topic, seconds }) => sinceAccepted.observe({ group, topic }, Math.max(0, seconds)),
  };
};

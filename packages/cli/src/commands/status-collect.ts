// Gathers `rivulet status`: service health (status-services.ts), consumer groups, topic rates and
// the router's breakers, all at once. Every network call has a deadline; a section that fails says why.
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafkaClient, openClusterInspector, silentLogger, type ClusterInspector, type TopicOffsets } from '@rivulet/kafka';
import { TOPIC_SPECS, TOPICS } from '@rivulet/schemas';
import { createRedisBreakerStore, type RedisBreakerStoreOptions } from '@rivulet/worker-generation';
import { Redis } from 'ioredis';
import type { CliConfig } from '../context.js';
import { groupStatuses, workerSummaries } from './status-groups.js';
import { checkServices } from './status-services.js';
import type { BreakersSection, ConsumerGroupsSection, StatusReport, TopicsSection, TopicStatus } from './status-report.js';

export interface CollectOptions {
  /** Time between the two end-offset samples that give the rates; 0 skips the second. */
  sampleMs: number;
  /** Deadline of each network call. */
  timeoutMs: number;
}

/**
 * The router file's `breaker` defaults (packages/llm/src/router-config-schema.ts). `list` needs
 * only `windowMs`, to know which buckets count; state and open-until are stored in each hash.
 */
const ROUTER_BREAKER_DEFAULTS: RedisBreakerStoreOptions['settings'] = { windowMs: 60_000, minRequests: 5, failureRatio: 0.5, cooldownMs: 30_000 };

const message = (error: unknown): string => String((error as Error).message ?? error).split('\n')[0]!;

const sum = (offsets: TopicOffsets | undefined, value: (partition: TopicOffsets['partitions'][number]) => number): number | null =>
  offsets === undefined ? null : offsets.partitions.reduce((total, partition) => total + value(partition), 0);

const topicStatuses = (prefix: string, existing: ReadonlySet<string>, first: readonly TopicOffsets[], second: readonly TopicOffsets[], sampleMs: number): TopicStatus[] =>
  TOPIC_SPECS.map(({ name }) => {
    const topic = prefix + name;
    const before = first.find((entry) => entry.topic === topic);
    const after = second.find((entry) => entry.topic === topic);
    const written = sum(after, ({ end }) => end);
    const earlier = sum(before, ({ end }) => end);
    return {
      name, topic, exists: existing.has(topic),
      partitions: after?.partitions.length ?? null,
      endOffsetTotal: written,
      retained: sum(after, ({ start, end }) => end - start),
      messagesPerSecond: sampleMs > 0 && written !== null && earlier !== null ? ((written - earlier) * 1000) / sampleMs : null,
    };
  });

const emptyKafkaSections = (prefix: string, error: string): { consumerGroups: ConsumerGroupsSection; topics: TopicsSection } => ({
  consumerGroups: { error, workers: [], groups: [], totalLag: 0 },
  topics: { error, sampleMs: 0, topics: [], deadLetter: { topic: prefix + TOPICS.deadLetter, retained: null, total: null } },
});

const inspectKafka = async (inspector: ClusterInspector, prefix: string, { sampleMs }: CollectOptions) => {
  const names = TOPIC_SPECS.map(({ name }) => prefix + name);
  const existing = new Set((await inspector.topicNames()).filter((name) => names.includes(name)));
  const present = names.filter((name) => existing.has(name));
  const first = await inspector.topicOffsets(present);
  const firstAt = Date.now();
  // The groups are read while the sample runs; their lag is taken against the second sample.
  const [groups] = await Promise.allSettled([
    inspector.groupIds().then((ids) => inspector.describeGroups(ids.filter((id) => id.startsWith(prefix)))),
    sampleMs > 0 ? sleep(sampleMs) : Promise.resolve(),
  ]);
  const second = sampleMs > 0 ? await inspector.topicOffsets(present) : first;
  const measuredMs = sampleMs > 0 ? Date.now() - firstAt : 0;
  const deadLetter = second.find(({ topic }) => topic === prefix + TOPICS.deadLetter);
  const topics: TopicsSection = {
    error: null, sampleMs: measuredMs, topics: topicStatuses(prefix, existing, first, second, measuredMs),
    deadLetter: { topic: prefix + TOPICS.deadLetter, retained: sum(deadLetter, ({ start, end }) => end - start), total: sum(deadLetter, ({ end }) => end) },
  };
  if (groups.status === 'rejected') return { topics, consumerGroups: { error: message(groups.reason), workers: [], groups: [], totalLag: 0 } };
  const statuses = groupStatuses(groups.value, { prefix, topics: existing, endOffsets: second });
  const workers = workerSummaries(statuses);
  const consumerGroups: ConsumerGroupsSection = {
    error: null, workers, groups: statuses, totalLag: workers.filter(({ worker }) => worker !== 'other').reduce((total, { totalLag }) => total + totalLag, 0),
  };
  return { topics, consumerGroups };
};

const collectKafka = async (config: CliConfig, options: CollectOptions) => {
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const kafka = createKafkaClient({
    brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger: silentLogger,
    connectionTimeoutMs: options.timeoutMs, requestTimeoutMs: options.timeoutMs,
  });
  let inspector: ClusterInspector;
  try {
    inspector = await openClusterInspector({ kafka, brokers: config.KAFKA_BROKERS, timeoutMs: options.timeoutMs });
  } catch (error) {
    return emptyKafkaSections(prefix, `Kafka at ${config.KAFKA_BROKERS.join(',')}: ${message(error)}`);
  }
  try {
    return await inspectKafka(inspector, prefix, options);
  } catch (error) {
    return emptyKafkaSections(prefix, message(error));
  } finally {
    await inspector.close().catch(() => undefined);
  }
};

const collectBreakers = async (config: CliConfig, { timeoutMs }: CollectOptions): Promise<BreakersSection> => {
  const { windowMs } = ROUTER_BREAKER_DEFAULTS;
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true, enableOfflineQueue: false, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => (lastError = error)); // the section reports it
  try {
    await redis.connect();
    const breakers = await createRedisBreakerStore({ redis, prefix: config.KAFKA_TOPIC_PREFIX, settings: ROUTER_BREAKER_DEFAULTS }).list(Date.now());
    return {
      error: null, windowMs,
      deployments: breakers.map(({ deployment, state, failures, requests, openedUntil }) => ({
        deployment, state, failures, requests, openUntil: openedUntil === undefined ? null : new Date(openedUntil).toISOString(),
      })),
    };
  } catch (error) {
    // ioredis rejects a failed connect with "Connection is closed."; the cause came as an 'error' event.
    return { error: `Redis at ${new URL(config.REDIS_URL).host}: ${message(lastError ?? error)}`, windowMs, deployments: [] };
  } finally {
    redis.disconnect();
  }
};

export const collectStatus = async (config: CliConfig, options: CollectOptions): Promise<StatusReport> => {
  const takenAt = new Date().toISOString();
  const [services, kafka, breakers] = await Promise.all([
    checkServices(config, options),
    collectKafka(config, options),
    collectBreakers(config, options),
  ]);
  return {
    takenAt, topicPrefix: config.KAFKA_TOPIC_PREFIX, healthy: services.every(({ healthy }) => healthy),
    services, consumerGroups: kafka.consumerGroups, topics: kafka.topics, breakers,
  };
};

import { startPipeline } from '@rivulet/cli';
import { createKafkaClient, deleteTopics, ensureTopics, EventCodec, EventProducer, silentLogger, Worker, type Handler } from '@rivulet/kafka';
import { createMetrics, createPipelineMetrics } from '@rivulet/observability';
import { DEFAULT_PARTITIONS, EVENT_TYPES, TOPICS, type EventRecords } from '@rivulet/schemas';
import { BatchingEmbedder, createEmbeddingHandler, createRedisEmbeddingCache, loadConfiguredModel, type EmbeddingCache } from '@rivulet/worker-embedding';
import { sleep } from '../support/concurrency.js';
import { cpuSecondsDuring, processCpuSeconds, processRssBytes, sampler } from '../support/process-stats.js';
import { joinWatcher, startBurstDriver, type BurstTiming } from './burst.js';

export interface HarnessOptions {
  modelDirectory: string;
  rivuletHome: string;
  threads: number;
  batchSize: number;
  batchWaitMs: number;
  brokers: string[];
  registryUrl: string;
  /** Redis URL of the embedding cache, or undefined to run without a cache. */
  redisUrl: string | undefined;
  run: string;
}

export interface BurstResult extends BurstTiming {
  /** CPU seconds of the worker (for the child process: that process; in-process: this whole process) from the first produce to the last event. */
  workerCpuSeconds: number;
  /** CPU seconds of the worker in the second after the last event arrived. */
  cpuSecondsInSecondAfter: number;
  batches: number;
  meanBatchSize: number;
  /** Model calls by texts per call (the buckets of rivulet_embedding_batch_size). */
  batchSizes: Record<string, number>;
  cacheHits: number;
  modelTexts: number;
}

export interface Harness {
  burst(texts: readonly string[]): Promise<BurstResult>;
  /** Peak and last resident memory of the worker so far, bytes. */
  memory(): { peak: number; last: number };
  close(): Promise<void>;
}

const BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];
const bucketLabels = BUCKETS.map((bound, index) => (index === 0 ? '1' : BUCKETS[index - 1]! + 1 === bound ? String(bound) : `${BUCKETS[index - 1]! + 1}-${bound}`));

/** Texts per model call, counted into the buckets the worker's own histogram uses. */
const bucketCounts = (sizes: readonly number[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const size of sizes) {
    const label = bucketLabels[BUCKETS.findIndex((bound) => size <= bound)] ?? '>128';
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
};

/**
 * A Harness from its burst: memory from the resident-memory sampler; close stops the sampler and
 * the burst driver, then runs `teardown` (what the harness started).
 */
const harness = (
  rss: ReturnType<typeof sampler>, driver: { close(): Promise<void> }, { burst }: Pick<Harness, 'burst'>, teardown: () => Promise<void>,
): Harness => ({
  burst,
  memory: () => {
    const { peak, last } = rss.stop();
    return { peak, last };
  },
  close: async () => {
    rss.stop();
    await driver.close().catch(() => undefined);
    await teardown();
  },
});

const noCache: EmbeddingCache = {
  getMany: (keys) => Promise.resolve(keys.map(() => undefined)),
  setMany: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/**
 * The embedding worker's parts in this process, on the real broker and registry: the model loaded
 * as the worker loads it (`loadConfiguredModel`: its own thread), `createEmbeddingHandler` over a
 * `BatchingEmbedder` with the Redis cache, run by `Worker` from @rivulet/kafka in a group of its own
 * on fresh topics. The handler's output goes to a fresh topic instead of
 * `rivulet.ingestion.chunks-embedded`; nothing else is changed.
 */
export const startInProcessWorker = async ({ modelDirectory, rivuletHome, threads, batchSize, batchWaitMs, brokers, registryUrl, redisUrl, run }: HarnessOptions): Promise<Harness> => {
  const model = await loadConfiguredModel({ RIVULET_HOME: rivuletHome, EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_DIR: modelDirectory, EMBEDDING_MODEL_VARIANT: 'int8', EMBEDDING_THREADS: threads });
  const kafka = createKafkaClient({ brokers, clientId: `rivulet-bench-${run}`, logger: silentLogger });
  const codec = new EventCodec<EventRecords>({ registryUrl, catalog: EVENT_TYPES });
  const instrumentation = createPipelineMetrics(createMetrics({ collectDefaultMetrics: false }));
  const producer = new EventProducer<EventRecords>({ kafka, codec, instrumentation });
  const topics = { chunks: `bench.${run}.chunks`, embedded: `bench.${run}.chunks-embedded`, deadLetter: `bench.${run}.dead-letter` };
  await ensureTopics(kafka, Object.values(topics).map((name) => ({ name, partitions: DEFAULT_PARTITIONS })));

  let cacheErrors = 0;
  const cache = redisUrl ? await createRedisEmbeddingCache({ url: redisUrl, ttlMs: 60 * 60 * 1000, onError: () => void cacheErrors++ }) : noCache;
  const batchLog: { size: number; embedded: number; cacheHits: number }[] = [];
  const embedder = new BatchingEmbedder({ model, cache, maxBatchSize: batchSize, maxWaitMs: batchWaitMs, onBatch: (report) => batchLog.push(report) });
  const embed = createEmbeddingHandler({ embedder });
  const handler: Handler<EventRecords, 'chunk-created', 'chunk-embedded'> = async (event, context) => {
    const outputs = (await embed(event, context)) ?? [];
    return outputs.map((output) => ({ ...output, topic: topics.embedded }));
  };
  const joined = joinWatcher(instrumentation);
  // The worker's settings at their defaults (docs/configuration.md), except the shorter session of a test run.
  const worker = new Worker<EventRecords, 'chunk-created'>({
    kafka, codec, producer, groupId: `bench-embedding-${run}`, topics: [topics.chunks], deadLetterTopic: topics.deadLetter,
    eventTypes: ['chunk-created'], handler, instrumentation: joined.instrumentation, heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000,
  });
  const close = async (): Promise<void> => {
    await worker.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await cache.close();
    await model.close();
    await deleteTopics(kafka, Object.values(topics)).catch(() => undefined);
  };
  let driver: Awaited<ReturnType<typeof startBurstDriver>>;
  try {
    await worker.start();
    await joined.joined;
    driver = await startBurstDriver({ kafka, codec, producer, chunksTopic: topics.chunks, embeddedTopic: topics.embedded, deadLetterTopic: topics.deadLetter, run, dimension: model.dimension });
  } catch (error) {
    await close();
    throw error;
  }
  const rss = sampler(() => process.memoryUsage().rss, 100);
  return harness(rss, driver, {
    burst: async (texts) => {
      batchLog.length = 0;
      const before = process.cpuUsage();
      const timing = await driver.burst(texts);
      const used = process.cpuUsage(before);
      const cpuSecondsInSecondAfter = await cpuSecondsDuring(() => sleep(1000));
      if (cacheErrors > 0) console.log(`  warning: ${cacheErrors} Redis cache errors so far (counted as misses)`);
      return {
        ...timing, workerCpuSeconds: (used.user + used.system) / 1e6, cpuSecondsInSecondAfter,
        batches: batchLog.length, meanBatchSize: batchLog.length ? batchLog.reduce((sum, entry) => sum + entry.size, 0) / batchLog.length : 0,
        batchSizes: bucketCounts(batchLog.map((entry) => entry.size)),
        cacheHits: batchLog.reduce((sum, entry) => sum + entry.cacheHits, 0), modelTexts: batchLog.reduce((sum, entry) => sum + entry.embedded, 0),
      };
    },
  }, close);
};

/**
 * The deployed worker itself: `rivulet worker embedding` as a child process (startPipeline with
 * only that process, on topics and a group of its own), fed and read by this process.
 */
export const startWorkerProcess = async ({ threads, batchSize, batchWaitMs, brokers, registryUrl, redisUrl, run }: HarnessOptions): Promise<Harness> => {
  const pipeline = await startPipeline({
    processes: ['embedding'],
    env: {
      LOG_LEVEL: 'warn', EMBEDDING_THREADS: String(threads), EMBEDDING_BATCH_SIZE: String(batchSize), EMBEDDING_BATCH_WAIT: `${batchWaitMs}ms`,
      EMBEDDING_CACHE_ENABLED: redisUrl ? 'true' : 'false', EMBEDDING_CACHE_TTL: '1h', ...(redisUrl ? { CACHE_REDIS_URL: redisUrl } : {}),
    },
  });
  const pid = pipeline.pid('embedding')!;
  const kafka = createKafkaClient({ brokers, clientId: `rivulet-bench-${run}`, logger: silentLogger });
  const codec = new EventCodec<EventRecords>({ registryUrl, catalog: EVENT_TYPES });
  const producer = new EventProducer<EventRecords>({ kafka, codec, topicPrefix: pipeline.topicPrefix });
  const metric = (name: string, labels: Record<string, string> = {}) => pipeline.metric('embedding', name, labels);
  const counters = async () => {
    const buckets: number[] = [];
    for (const bound of BUCKETS) buckets.push(await metric('rivulet_embedding_batch_size_bucket', { le: String(bound) }));
    return {
      calls: await metric('rivulet_embedding_batch_size_count'), texts: await metric('rivulet_embedding_batch_size_sum'), buckets,
      hits: await metric('rivulet_embedding_cache_lookups_total', { result: 'hit' }), misses: await metric('rivulet_embedding_cache_lookups_total', { result: 'miss' }),
    };
  };
  let driver: Awaited<ReturnType<typeof startBurstDriver>>;
  try {
    // Wait until the worker's consumer holds every partition, so the first burst does not time the group join.
    const deadline = Date.now() + 60_000;
    while ((await metric('rivulet_consumer_assigned_partitions')) < 1) {
      if (Date.now() > deadline) throw new Error('the embedding worker was given no partitions within 60 s');
      await sleep(200);
    }
    driver = await startBurstDriver({ kafka, codec, producer, chunksTopic: TOPICS.chunks, embeddedTopic: TOPICS.chunksEmbedded, deadLetterTopic: TOPICS.deadLetter, run, dimension: 384 });
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    await pipeline.close();
    throw error;
  }
  const rss = sampler(() => processRssBytes(pid), 100);
  return harness(rss, driver, {
    burst: async (texts) => {
      const before = await counters();
      const cpuBefore = processCpuSeconds(pid) ?? 0;
      const timing = await driver.burst(texts);
      const cpuAtEnd = processCpuSeconds(pid) ?? 0;
      await sleep(1000);
      const cpuSecondsInSecondAfter = (processCpuSeconds(pid) ?? 0) - cpuAtEnd;
      const after = await counters();
      const batchSizes: Record<string, number> = {};
      after.buckets.forEach((cumulative, index) => {
        const count = cumulative - before.buckets[index]! - (index > 0 ? after.buckets[index - 1]! - before.buckets[index - 1]! : 0);
        if (count > 0) batchSizes[bucketLabels[index]!] = count;
      });
      const batches = after.calls - before.calls;
      return {
        ...timing, workerCpuSeconds: cpuAtEnd - cpuBefore, cpuSecondsInSecondAfter,
        batches, meanBatchSize: batches ? (after.texts - before.texts) / batches : 0, batchSizes,
        cacheHits: after.hits - before.hits, modelTexts: after.misses - before.misses,
      };
    },
  }, async () => {
    await producer.disconnect().catch(() => undefined);
    await pipeline.close();
  });
};

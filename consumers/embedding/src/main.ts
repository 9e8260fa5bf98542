import { loadConfig } from '@rivulet/config';
import { loadModelFromSpec, type EmbeddingModel } from '@rivulet/embedding';
import { TOPICS } from '@rivulet/schemas';
import { createService } from '@rivulet/service';
import { createPool, findActiveIndexVersion } from '@rivulet/store';
import { BatchingEmbedder } from './batcher.js';
import { createRedisEmbeddingCache, type EmbeddingCache } from './cache.js';
import { embeddingConfigSchema } from './config.js';
import { createEmbeddingHandler } from './handler.js';
import { loadConfiguredModel, modelSpecEnvironment } from './model.js';
import { loadCheckedModel, startModelRefresh } from './model-refresh.js';
import { createQueryEmbeddingHandler } from './query-handler.js';
import { fitQueryToModel } from './query-text.js';

export const EMBEDDING_GROUP = 'rivulet-embedding';
/** The chat questions' consumer group: its own, so its lag and offsets never mix with the chunks'. */
export const EMBEDDING_QUERIES_GROUP = 'rivulet-embedding-queries';

const noCache: EmbeddingCache = {
  getMany: (keys) => Promise.resolve(keys.map(() => undefined)),
  setMany: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/**
 * The embedding process: chunks -> (cache | model, batched) -> chunks-embedded, and beside it
 * chat requests -> (same cache and model, high-priority lane) -> queries-embedded.
 */
export const runEmbeddingWorker = async (env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void> }> => {
  const config = loadConfig(embeddingConfigSchema, env);
  const service = createService('embedding', config);
  const { logger, metrics } = service;
  // The active index version names the model to embed with once a re-index switched it
  // (docs/decisions/0014-reindex.md); the configured model is the bootstrap.
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: 1, applicationName: 'rivulet-embedding' });
  service.onStop({ stop: () => pool.end() });
  const specEnvironment = modelSpecEnvironment(config, env);
  const readActive = () => findActiveIndexVersion(pool);
  // A model that fails to load, is not the index's, or fails its probe is never put to work (docs/decisions/0014-reindex.md).
  const modelLoadFailures = metrics.counter({ name: 'rivulet_embedding_model_load_failures_total', help: 'Times the active index version\'s model was not put to work here (load, mismatch or probe failed; or the swap itself); the current model stays.', labelNames: ['stage'] });
  const errorCode = (error: Error): string | undefined => (error as { code?: string }).code ?? ((error.cause as { code?: string } | undefined)?.code);
  const initialModel = async (): Promise<EmbeddingModel> => {
    const active = config.EMBEDDING_MODEL_REFRESH > 0 ? await readActive().catch((error: Error) => void logger.warn({ error: error.message }, 'active index version unknown (PostgreSQL); starting with the configured model')) : undefined;
    if (active?.modelSpec) {
      const checked = await loadCheckedModel(active, { load: (spec) => loadModelFromSpec(spec, specEnvironment) });
      if ('model' in checked) return checked.model;
      modelLoadFailures.inc({ stage: checked.stage });
      logger.error({ error: checked.error.message, code: errorCode(checked.error), stage: checked.stage, indexVersion: active.id }, 'the active index version\'s model cannot be used here; starting with the configured model (the refresh tries it again)');
    }
    return loadConfiguredModel(config);
  };
  const model = await initialModel();
  logger.info({ model: model.id, version: model.version, dimension: model.dimension, maxTokens: model.maxTokens }, 'embedding model loaded');

  const cacheErrors = metrics.counter({ name: 'rivulet_embedding_cache_errors_total', help: 'Redis embedding cache failures (treated as misses).', labelNames: ['operation'] });
  const cache = config.EMBEDDING_CACHE_ENABLED
    ? await createRedisEmbeddingCache({
        url: config.CACHE_REDIS_URL, ttlMs: config.EMBEDDING_CACHE_TTL,
        onError: (error, operation) => {
          cacheErrors.inc({ operation });
          logger.warn({ error: error.message, operation }, 'embedding cache unavailable, embedding without it');
        },
      })
    : noCache;
  service.onStop({ stop: () => cache.close() });

  const batchSize = metrics.histogram({ name: 'rivulet_embedding_batch_size', help: 'Texts per embedding batch.', labelNames: [], buckets: [1, 2, 4, 8, 16, 32, 64, 128] });
  const batchSeconds = metrics.histogram({ name: 'rivulet_embedding_batch_duration_seconds', help: 'Time of one embedding batch (cache lookup + model).', labelNames: [], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
  const cacheLookups = metrics.counter({ name: 'rivulet_embedding_cache_lookups_total', help: 'Embedding cache lookups by result; hit ratio = hit / (hit + miss).', labelNames: ['result'] });
  const embedder = new BatchingEmbedder({
    model, cache, fitText: fitQueryToModel, maxBatchSize: config.EMBEDDING_BATCH_SIZE, maxWaitMs: config.EMBEDDING_BATCH_WAIT,
    onBatch: ({ size, embedded, cacheHits, seconds }) => {
      batchSize.observe({}, size);
      batchSeconds.observe({}, seconds);
      cacheLookups.inc({ result: 'hit' }, cacheHits);
      cacheLookups.inc({ result: 'miss' }, embedded);
    },
  });

  const queriesExpired = metrics.counter({ name: 'rivulet_embedding_queries_expired_total', help: 'Chat requests dropped unembedded because their deadline had passed.', labelNames: [] });

  // Registered after the cache and the pool, so it stops before them: the model in use is closed last.
  service.onStop({ stop: () => embedder.model.close() });
  const modelSwaps = metrics.counter({ name: 'rivulet_embedding_model_swaps_total', help: 'Times this worker switched embedding models because a re-index activated another index version.', labelNames: [] });
  const refresh = startModelRefresh({
    readActive, current: () => embedder.model, intervalMs: config.EMBEDDING_MODEL_REFRESH,
    load: (spec) => loadModelFromSpec(spec, specEnvironment),
    swap: async (next) => {
      const previous = await embedder.replaceModel(next);
      await previous.close();
    },
    onSwapped: ({ from, to, indexVersion }) => {
      modelSwaps.inc({});
      logger.info({ from, to, indexVersion }, 'the active index version changed models: embedding with the new one from now on');
    },
    onError: (error, stage) => {
      if (stage !== 'read') modelLoadFailures.inc({ stage });
      logger[stage === 'read' ? 'warn' : 'error']({ error: error.message, code: errorCode(error), stage }, 'embedding model refresh failed; keeping the current model');
    },
  });
  service.onStop({ stop: () => refresh.stop() });

  // A chunk key's tombstone is passed on behind the key's last embedding, so a removed chunk ends removed on chunks-embedded too.
  const worker = service.worker({ groupId: EMBEDDING_GROUP, topics: [TOPICS.chunks], eventTypes: ['chunk-created'], handler: createEmbeddingHandler({ embedder }), forwardTombstonesTo: TOPICS.chunksEmbedded });
  const queryWorker = service.worker({
    groupId: EMBEDDING_QUERIES_GROUP, topics: [TOPICS.chatRequests], eventTypes: ['chat-request-received'],
    handler: createQueryEmbeddingHandler({
      embedder,
      onExpired: ({ requestId }) => {
        queriesExpired.inc({});
        logger.debug({ requestId }, 'chat request past its deadline, dropped');
      },
    }),
  });
  await service.serve();
  await worker.start();
  await queryWorker.start();
  logger.info({ groups: [EMBEDDING_GROUP, EMBEDDING_QUERIES_GROUP] }, 'embedding worker consuming');
  return { stop: () => service.stop() };
};

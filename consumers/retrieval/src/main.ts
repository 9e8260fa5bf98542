import { loadConfig } from '@rivulet/config';
import { TOPICS } from '@rivulet/schemas';
import { createService } from '@rivulet/service';
import { createPool, migrate } from '@rivulet/store';
import { retrievalConfigSchema } from './config.js';
import { createRetrievalHandler } from './handler.js';
import { searchChunks } from './search.js';

export const RETRIEVAL_GROUP = 'rivulet-retrieval';

/** The retrieval process: queries-embedded -> PostgreSQL + pgvector -> contexts-retrieved (chat) or replies (search). */
export const runRetrieval = async (env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void> }> => {
  const config = loadConfig(retrievalConfigSchema, env);
  const service = createService('retrieval', config);
  const { logger, metrics } = service;
  await migrate({ databaseUrl: config.DATABASE_URL });
  const pool = createPool({
    databaseUrl: config.DATABASE_URL, max: config.RETRIEVAL_DATABASE_POOL_SIZE, applicationName: 'rivulet-retrieval', statementTimeoutMs: config.RETRIEVAL_STATEMENT_TIMEOUT,
  });
  service.onStop({ stop: () => pool.end() });

  const searchSeconds = metrics.histogram({ name: 'rivulet_retrieval_search_duration_seconds', help: 'Time of one vector search (index version lookup + HNSW query).', labelNames: ['kind'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
  const searchChunkCounts = metrics.histogram({ name: 'rivulet_retrieval_chunks', help: 'Chunks one search returned (below topK: the filters matched fewer, the scan budget ran out, or RETRIEVAL_MIN_SCORE cut them).', labelNames: ['kind'], buckets: [0, 1, 2, 3, 5, 10, 20, 50] });
  const expired = metrics.counter({ name: 'rivulet_retrieval_requests_expired_total', help: 'Requests dropped without a search because their deadline had passed.', labelNames: [] });

  const handler = createRetrievalHandler({
    search: (query) => searchChunks(pool, { ...query, efSearch: config.RETRIEVAL_EF_SEARCH, maxScanTuples: config.RETRIEVAL_MAX_SCAN_TUPLES, minScore: config.RETRIEVAL_MIN_SCORE }),
    onMissingIndex: (model) => logger.warn(model, 'questions are embedded by a model with no active index version: they get no chunks until its index is active'),
    onSearched: ({ kind, chunks, seconds }) => {
      searchSeconds.observe({ kind }, seconds);
      searchChunkCounts.observe({ kind }, chunks);
    },
    onExpired: ({ requestId }) => {
      expired.inc({});
      logger.debug({ requestId }, 'request past its deadline, dropped');
    },
  });
  const worker = service.worker({ groupId: RETRIEVAL_GROUP, topics: [TOPICS.queriesEmbedded], eventTypes: ['query-embedded'], handler });
  await service.serve({ postgres: async () => void (await pool.query('SELECT 1')) });
  await worker.start();
  logger.info({ group: RETRIEVAL_GROUP }, 'retrieval consuming');
  return { stop: () => service.stop() };
};

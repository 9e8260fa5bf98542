import { loadConfig } from '@rivulet/config';
import { TOPICS } from '@rivulet/schemas';
import { createService } from '@rivulet/service';
import { createPool, migrate } from '@rivulet/store';
import { createChunkStore } from './chunk-store.js';
import { indexerConfigSchema } from './config.js';
import { createIndexerHandler } from './handler.js';

export const INDEXER_GROUP = 'rivulet-indexer';

/** The indexer process: chunks-embedded -> PostgreSQL + pgvector -> documents-indexed. */
export const runIndexer = async (env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void> }> => {
  const config = loadConfig(indexerConfigSchema, env);
  const service = createService('indexer', config);
  await migrate({ databaseUrl: config.DATABASE_URL });
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: config.INDEXER_DATABASE_POOL_SIZE, applicationName: 'rivulet-indexer' });
  service.onStop({ stop: () => pool.end() });
  const worker = service.worker({ groupId: INDEXER_GROUP, topics: [TOPICS.chunksEmbedded], eventTypes: ['chunk-embedded'], handler: createIndexerHandler({ store: createChunkStore(pool) }) });
  await service.serve({ postgres: async () => void (await pool.query('SELECT 1')) });
  await worker.start();
  service.logger.info({ group: INDEXER_GROUP }, 'indexer consuming');
  return { stop: () => service.stop() };
};

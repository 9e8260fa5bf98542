import { loadConfig } from '@rivulet/config';
import { TOPICS } from '@rivulet/schemas';
import { createService, type Service } from '@rivulet/service';
import { createPool, failDocumentVersion, migrate, type Pool } from '@rivulet/store';
import { createChunkStore } from './chunk-store.js';
import { indexerConfigSchema } from './config.js';
import { createDeadLetterHandler } from './dead-letter-handler.js';
import { startDocumentSweep } from './document-sweep.js';
import { createIndexerHandler } from './handler.js';

/** The sweep of documents left unfinished (DOCUMENT_PROCESSING_TIMEOUT), unless it is 0/off; stopped before the pool closes. */
const documentSweep = (config: { DOCUMENT_PROCESSING_TIMEOUT: number; DOCUMENT_SWEEP_INTERVAL: number }, pool: Pool, service: Service): void => {
  if (config.DOCUMENT_PROCESSING_TIMEOUT === 0) {
    service.logger.info('document sweep off (DOCUMENT_PROCESSING_TIMEOUT=0): a document whose events are lost stays processing');
    return;
  }
  service.onStop(startDocumentSweep({
    pool, producer: service.producer, timeoutMs: config.DOCUMENT_PROCESSING_TIMEOUT, intervalMs: config.DOCUMENT_SWEEP_INTERVAL,
    logger: service.logger.child({ component: 'document-sweep' }), metrics: service.metrics,
  }));
};

export const INDEXER_GROUP = 'rivulet-indexer';
/** The dead letters' consumer group: documents whose events were dead-lettered end failed. */
export const INDEXER_DEAD_LETTERS_GROUP = 'rivulet-indexer-dead-letters';

/**
 * The indexer process: chunks-embedded -> PostgreSQL + pgvector -> documents-indexed; beside it,
 * dead letters of the ingestion path and a sweep of documents left unfinished -> documents-indexed (failed).
 */
export const runIndexer = async (env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void> }> => {
  const config = loadConfig(indexerConfigSchema, env);
  const service = createService('indexer', config);
  await migrate({ databaseUrl: config.DATABASE_URL });
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: config.INDEXER_DATABASE_POOL_SIZE, applicationName: 'rivulet-indexer' });
  service.onStop({ stop: () => pool.end() });
  documentSweep(config, pool, service);
  const worker = service.worker({ groupId: INDEXER_GROUP, topics: [TOPICS.chunksEmbedded], eventTypes: ['chunk-embedded'], handler: createIndexerHandler({ store: createChunkStore(pool) }) });
  const deadLetters = service.worker({
    groupId: INDEXER_DEAD_LETTERS_GROUP, topics: [TOPICS.deadLetter], eventTypes: ['event-dead-lettered'],
    handler: createDeadLetterHandler({
      failures: { failVersion: (document, version, failure) => failDocumentVersion(pool, document, version, failure) },
      decode: (buffer) => service.codec.decode(buffer), topicPrefix: config.KAFKA_TOPIC_PREFIX,
      onUnattributed: (letter) => service.logger.warn(letter, 'dead letter of the ingestion path names no document version (its value does not decode); the sweep fails its document if it stays unfinished'),
    }),
  });
  await service.serve({ postgres: async () => void (await pool.query('SELECT 1')) });
  await Promise.all([worker.start(), deadLetters.start()]);
  service.logger.info({ groups: [INDEXER_GROUP, INDEXER_DEAD_LETTERS_GROUP] }, 'indexer consuming');
  return { stop: () => service.stop() };
};

import { join } from 'node:path';
import { loadConfig } from '@rivulet/config';
import { chunkText, closeDocumentParsers, parseDocument } from '@rivulet/documents';
import { loadWordPieceTokenizer, readModelSettings } from '@rivulet/embedding';
import { TOPICS } from '@rivulet/schemas';
import { createService } from '@rivulet/service';
import { createPool } from '@rivulet/store';
import { ingestionConfigSchema } from './config.js';
import { createDocumentStore } from './document-store.js';
import { createIngestionHandler } from './handler.js';

export const INGESTION_GROUP = 'rivulet-ingestion';

/** The ingestion process: documents -> parse, chunk -> chunks + status. */
export const runIngestionWorker = async (env: NodeJS.ProcessEnv = process.env): Promise<{ stop(): Promise<void> }> => {
  const config = loadConfig(ingestionConfigSchema, env);
  const service = createService('ingestion', config);
  const modelDirectory = config.EMBEDDING_MODEL_DIR ?? join(config.RIVULET_HOME, 'models', 'all-minilm-l6-v2');
  // Chunks are cut with the embedding model's own tokenizer, so none exceeds what it reads.
  const [tokenizer, settings] = await Promise.all([loadWordPieceTokenizer({ modelDirectory }), readModelSettings(modelDirectory)]);
  const maxTokens = settings.maxSequenceLength ?? settings.maxPositions;
  const pool = createPool({ databaseUrl: config.DATABASE_URL, max: config.INGESTION_DATABASE_POOL_SIZE, applicationName: 'rivulet-ingestion' });
  service.onStop({ stop: () => pool.end() });
  service.onStop({ stop: () => closeDocumentParsers() });
  const limits = { maxBytes: config.INGEST_MAX_DOCUMENT_BYTES, maxPages: config.INGEST_MAX_PDF_PAGES, timeoutMs: config.INGEST_PARSE_TIMEOUT };
  const handler = createIngestionHandler({
    store: createDocumentStore(pool),
    parse: (input) => parseDocument(input, limits),
    chunk: (text) =>
      chunkText(text, {
        tokenizer, maxTokens,
        ...(config.CHUNK_TARGET_TOKENS === undefined ? {} : { targetTokens: config.CHUNK_TARGET_TOKENS }),
        ...(config.CHUNK_OVERLAP_TOKENS === undefined ? {} : { overlapTokens: config.CHUNK_OVERLAP_TOKENS }),
      }),
  });
  const worker = service.worker({ groupId: INGESTION_GROUP, topics: [TOPICS.documents], eventTypes: ['document-received'], handler });
  await service.serve({ postgres: async () => void (await pool.query('SELECT 1')) });
  await worker.start();
  service.logger.info({ group: INGESTION_GROUP, maxTokens }, 'ingestion worker consuming');
  return { stop: () => service.stop() };
};

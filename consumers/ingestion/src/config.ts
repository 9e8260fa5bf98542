import { baseVariables, defineConfig, duration, integer, sharedVariables, variable, withKafkaConsumer } from '@rivulet/config';

export const ingestionConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'ingestion' }),
    INGEST_MAX_DOCUMENT_BYTES: sharedVariables.INGEST_MAX_DOCUMENT_BYTES,
    INGEST_MAX_PDF_PAGES: variable({
      description: 'A PDF with more pages is refused (failed: too_many_pages).',
      schema: integer({ min: 1, max: 100_000 }), default: '2000',
    }),
    INGEST_PARSE_TIMEOUT: variable({
      description: 'Time allowed to parse one document; the parser thread is stopped after it (failed: parse_timeout).',
      schema: duration(), default: '30s',
    }),
    CHUNK_TARGET_TOKENS: variable({
      description: 'Preferred chunk size in the embedding model\'s tokens (never above the model\'s limit). Default: half the model\'s limit (128 for all-MiniLM-L6-v2).',
      schema: integer({ min: 8, max: 8192 }), optional: true,
    }),
    CHUNK_OVERLAP_TOKENS: variable({
      description: 'Tokens of a chunk\'s tail repeated at the start of the next. Default: an eighth of the target.',
      schema: integer({ min: 0, max: 4096 }), optional: true,
    }),
    EMBEDDING_MODEL_DIR: sharedVariables.EMBEDDING_MODEL_DIR,
    INGESTION_DATABASE_POOL_SIZE: variable({
      description: 'PostgreSQL connections of one ingestion worker process.',
      schema: integer({ min: 1, max: 200 }), default: '4',
    }),
  }),
);

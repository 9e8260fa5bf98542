import {
  baseVariables, databasePoolSize, defineConfig, duration, integer, optionalSetting, setting, sharedVariables, withKafkaConsumer,
} from '@rivulet/config';

export const ingestionConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'ingestion' }),
    INGEST_MAX_DOCUMENT_BYTES: sharedVariables.INGEST_MAX_DOCUMENT_BYTES,
    INGEST_MAX_PDF_PAGES: setting(integer({ min: 1, max: 100_000 }), '2000', 'A PDF with more pages is refused (failed: too_many_pages).'),
    INGEST_PARSE_TIMEOUT: setting(duration(), '30s', 'Time allowed to parse one document; the parser thread is stopped after it (failed: parse_timeout).'),
    CHUNK_TARGET_TOKENS: optionalSetting(integer({ min: 8, max: 8192 }), 'Preferred chunk size in the embedding model\'s tokens (never above the model\'s limit). Default: half the model\'s limit (128 for all-MiniLM-L6-v2).'),
    CHUNK_OVERLAP_TOKENS: optionalSetting(integer({ min: 0, max: 4096 }), 'Tokens of a chunk\'s tail repeated at the start of the next. Default: an eighth of the target.'),
    EMBEDDING_MODEL_DIR: sharedVariables.EMBEDDING_MODEL_DIR,
    ...databasePoolSize('INGESTION', '4', 'one ingestion worker process'),
  }),
);

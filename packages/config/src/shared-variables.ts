import { byteSize, integer, text } from './value-schemas.js';
import { optionalSetting, setting } from './variable.js';

/** The largest document the pipeline takes (25 MiB: what a Kafka record or blob is sized for). */
export const PIPELINE_MAX_DOCUMENT_BYTES = 25 * 1024 * 1024;

/**
 * Variables read by more than one process, defined once so they mean the same everywhere
 * (the docs generator refuses two different descriptions of one name).
 */
export const sharedVariables = {
  INGEST_MAX_DOCUMENT_BYTES: setting(
    byteSize().refine((bytes) => bytes >= 1 && bytes <= PIPELINE_MAX_DOCUMENT_BYTES, { message: 'expected at most 25 MiB' }), '20MB',
    'Largest document accepted: the ingress answers 413 payload_too_large before reading a larger upload in full, and the ingestion worker refuses to parse one. At most 25 MiB.',
  ),
  EMBEDDING_MODEL_DIR: optionalSetting(text(), 'Folder of the local ONNX embedding model and its tokenizer (`rivulet infra up` fills the default); the ingestion worker cuts chunks with the same tokenizer.', { documentedDefault: '<RIVULET_HOME>/models/all-minilm-l6-v2' }),
};

const poolSize = (defaultSize: string, whose: string) =>
  setting(integer({ min: 1, max: 200 }), defaultSize, `PostgreSQL connections of ${whose}.`);

/**
 * A worker's `<WORKER>_DATABASE_POOL_SIZE` (1 to 200), spread into its `defineConfig`:
 * `...databasePoolSize('RETRIEVAL', '8', 'one retrieval process (each in-flight search holds one for its transaction)')`.
 */
export const databasePoolSize = <Worker extends string>(worker: Worker, defaultSize: string, whose: string) =>
  ({ [`${worker}_DATABASE_POOL_SIZE`]: poolSize(defaultSize, whose) }) as Record<`${Worker}_DATABASE_POOL_SIZE`, ReturnType<typeof poolSize>>;

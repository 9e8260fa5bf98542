import { byteSize } from './value-schemas.js';
import { text } from './value-schemas.js';
import { variable } from './variable.js';

/** The largest document the pipeline takes (25 MiB: what a Kafka record or blob is sized for). */
export const PIPELINE_MAX_DOCUMENT_BYTES = 25 * 1024 * 1024;

/**
 * Variables read by more than one process, defined once so they mean the same everywhere
 * (the docs generator refuses two different descriptions of one name).
 */
export const sharedVariables = {
  INGEST_MAX_DOCUMENT_BYTES: variable({
    description: 'Largest document accepted: the ingress answers 413 payload_too_large before reading a larger upload in full, and the ingestion worker refuses to parse one. At most 25 MiB.',
    schema: byteSize().refine((bytes) => bytes >= 1 && bytes <= PIPELINE_MAX_DOCUMENT_BYTES, { message: 'expected at most 25 MiB' }),
    default: '20MB',
  }),
  EMBEDDING_MODEL_DIR: variable({
    description: 'Folder of the local ONNX embedding model and its tokenizer (`rivulet infra up` fills the default); the ingestion worker cuts chunks with the same tokenizer.',
    schema: text(), optional: true, documentedDefault: '<RIVULET_HOME>/models/all-minilm-l6-v2',
  }),
};

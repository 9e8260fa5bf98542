export { runIndexer, INDEXER_GROUP, INDEXER_DEAD_LETTERS_GROUP } from './main.js';
export { createDeadLetterHandler, type DeadLetterHandlerDependencies, type DocumentFailures } from './dead-letter-handler.js';
export { startDocumentSweep, sweepReason, type DocumentSweep, type DocumentSweepOptions } from './document-sweep.js';
export { createIndexerHandler, type IndexerDependencies } from './handler.js';
export { createChunkStore, type ChunkStore, type IndexOutcome, type ReplayedChunk } from './chunk-store.js';
export { indexerConfigSchema } from './config.js';

export { runIndexer, INDEXER_GROUP } from './main.js';
export { createIndexerHandler, type IndexerDependencies } from './handler.js';
export { createChunkStore, type ChunkStore, type IndexOutcome, type ReplayedChunk } from './chunk-store.js';
export { indexerConfigSchema } from './config.js';

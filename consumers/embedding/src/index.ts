export { runEmbeddingWorker, EMBEDDING_GROUP } from './main.js';
export { BatchingEmbedder, contentHash, type BatchingEmbedderOptions } from './batcher.js';
export { createRedisEmbeddingCache, type EmbeddingCache } from './cache.js';
export { createEmbeddingHandler, type EmbeddingHandlerDependencies } from './handler.js';
export { loadConfiguredModel } from './model.js';
export { embeddingConfigSchema } from './config.js';

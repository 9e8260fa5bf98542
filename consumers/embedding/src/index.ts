export { runEmbeddingWorker, EMBEDDING_GROUP, EMBEDDING_QUERIES_GROUP } from './main.js';
export { BatchingEmbedder, contentHash, type BatchingEmbedderOptions, type BatchReport, type EmbedOptions, type EmbedPriority, type EmbeddedText, type ModelIdentity } from './batcher.js';
export { createRedisEmbeddingCache, type EmbeddingCache } from './cache.js';
export { createEmbeddingHandler, type EmbeddingHandlerDependencies, type EmbedderPort } from './handler.js';
export { createQueryEmbeddingHandler, type QueryEmbeddingHandlerDependencies } from './query-handler.js';
export { fitQueryToModel } from './query-text.js';
export { loadConfiguredModel, modelSpecEnvironment } from './model.js';
export { loadCheckedModel, startModelRefresh, type ActiveModel, type ModelRefreshOptions, type RefreshErrorStage, type RefreshOutcome } from './model-refresh.js';
export { embeddingConfigSchema } from './config.js';

export { runRetrieval, RETRIEVAL_GROUP } from './main.js';
export { createRetrievalHandler, type RetrievalDependencies, type ChunkSearch } from './handler.js';
export { searchChunks, MAX_TOP_K, type SearchOptions, type SearchResult } from './search.js';
export { queries, nearestChunks } from './queries.js';
export { snippetOf, SNIPPET_LENGTH } from './snippet.js';
export { RetrievalError, type RetrievalErrorCode } from './errors.js';
export { DEFAULT_MIN_SCORE, retrievalConfigSchema } from './config.js';

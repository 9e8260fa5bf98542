import { baseVariables, databasePoolSize, decimal, defineConfig, duration, integer, setting, withKafkaConsumer } from '@rivulet/config';

/**
 * RETRIEVAL_MIN_SCORE's default, measured for all-MiniLM-L6-v2 (bench:thresholds, docs/benchmarks.md):
 * keeps every source of the SciFact questions that have a relevant document in their top 5, and
 * leaves 90-95 % of questions unrelated to the collection with none. Another embedding model has
 * another scale of scores: measure it again before searching its index version.
 */
export const DEFAULT_MIN_SCORE = 0.3;

export const retrievalConfigSchema = withKafkaConsumer(
  defineConfig({
    ...baseVariables({ processName: 'retrieval' }),
    ...databasePoolSize('RETRIEVAL', '8', 'one retrieval process (each in-flight search holds one for its transaction)'),
    RETRIEVAL_EF_SEARCH: setting(integer({ min: 1, max: 1000 }), '100', 'pgvector `hnsw.ef_search` of each search: candidates the HNSW scan keeps per step. Higher finds more of the true nearest chunks and costs time; never below the request\'s topK. 1 to 1000.'),
    RETRIEVAL_MAX_SCAN_TUPLES: setting(integer({ min: 1, max: 10_000_000 }), '20000', 'pgvector `hnsw.max_scan_tuples`: how many index entries an iterative scan may visit looking for chunks that pass the tenant, collection and metadata filters before it gives up with fewer than topK.'),
    RETRIEVAL_MIN_SCORE: setting(decimal({ min: -1, max: 1 }), String(DEFAULT_MIN_SCORE), 'Chunks whose cosine similarity to the question (-1 to 1) is below this are not relevant: they are left out of a chat\'s sources and prompt and of `/v1/search` results, so a question unrelated to the collection gets no sources. The default is measured for all-MiniLM-L6-v2 (docs/benchmarks.md, bench:thresholds); measure again for another embedding model (`rivulet reindex --model`). -1 keeps everything.'),
    RETRIEVAL_STATEMENT_TIMEOUT: setting(duration(), '5s', 'PostgreSQL statement timeout of a search; a search that takes longer fails and is retried.'),
  }),
);

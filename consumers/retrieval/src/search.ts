import pgvector from 'pgvector';
import { withTenant, type Pool } from '@rivulet/store';
import type { Embedding, RetrievedChunk } from '@rivulet/schemas';
import { RetrievalError } from './errors.js';
import { nearestChunks, queries } from './queries.js';
import { snippetOf } from './snippet.js';

/** Most chunks one search returns (the contract's topK range is 1..50). */
export const MAX_TOP_K = 50;

export interface SearchOptions {
  /** Every search is scoped to one tenant: no other tenant's chunk can come back. */
  tenantId: string;
  collection: string;
  /** Metadata key to exact value; a chunk matches when every pair matches. */
  filters?: Readonly<Record<string, string>>;
  /** The question's vector and the model that made it; only chunks of that model's index version are compared, if it is active or retired. */
  embedding: Embedding;
  /** Chunks wanted, clamped to 1..50. */
  topK: number;
  /** pgvector hnsw.ef_search (raised to topK when lower). Default 100. */
  efSearch?: number;
  /** pgvector hnsw.max_scan_tuples: the iterative scan's budget. Default 20,000. */
  maxScanTuples?: number;
  /** Chunks scoring below this are dropped. Default -1 (keep everything). */
  minScore?: number;
}

export interface SearchResult {
  /** The index version searched, or null when the model has no active or retired version (nothing to search). */
  indexVersion: number | null;
  /** Best first; score = cosine similarity = 1 - cosine distance, in [-1, 1]. */
  chunks: RetrievedChunk[];
}

interface Row {
  documentId: string;
  chunkId: string;
  title: string | null;
  text: string;
  metadata: Record<string, unknown> | null;
  distance: number;
}

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

const checkEmbedding = ({ vector, dimension }: Embedding): void => {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 2000) throw new RetrievalError('invalid_query', `Embedding dimension must be an integer from 1 to 2000, got ${dimension}`);
  if (vector.length !== dimension) throw new RetrievalError('invalid_query', `Embedding has ${vector.length} values but says dimension ${dimension}`);
  if (!vector.every(Number.isFinite)) throw new RetrievalError('invalid_query', 'Embedding has a value that is not a finite number');
};

const flatMetadata = (metadata: Record<string, unknown> | null): Record<string, string> =>
  Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));

/**
 * The `topK` chunks nearest to a question's embedding among one tenant's collection, filtered by
 * metadata, best first. One transaction on one connection, scoped to the tenant (row-level
 * security as well as the query's own filter): HNSW settings (SET LOCAL), then one
 * query written so the index version's HNSW index can serve it. The version is the one of the
 * question's own model, when it is active (or retired by a re-index moments ago): never two. When the planner takes
 * that index, the iterative scan keeps selective filters from returning fewer than topK rows while
 * topK rows match; when an exact scan looks cheaper (a small collection: under row-level security
 * the planner takes every metadata filter for 1% of the rows and cannot use the GIN metadata
 * index, decision 0011), the planner takes that, which is exact.
 * Chunks below `minScore` are dropped after the search, so they can leave fewer than topK.
 */
export const searchChunks = async (pool: Pool, options: SearchOptions): Promise<SearchResult> => {
  const { tenantId, collection, filters = {}, embedding, efSearch = 100, maxScanTuples = 20_000, minScore = -1 } = options;
  checkEmbedding(embedding);
  const topK = clamp(Math.trunc(options.topK) || 1, 1, MAX_TOP_K);
  const { rows: versions } = await pool.query<{ id: number }>({
    name: 'retrieval.searchedIndexVersion', text: queries.searchedIndexVersion, values: [embedding.modelId, embedding.modelVersion, embedding.dimension],
  });
  const indexVersion = versions[0]?.id;
  if (indexVersion === undefined) return { indexVersion: null, chunks: [] };

  // The tenant is set with BEGIN (row-level security): no extra round trip.
  const rows = await withTenant(pool, tenantId, async (client) => {
    await client.query({ name: 'retrieval.hnswSettings', text: queries.hnswSettings, values: [String(clamp(Math.max(efSearch, topK), 1, 1000)), String(maxScanTuples)] });
    // Unnamed: planned with the actual values each time (the filters' selectivity decides the plan).
    const result = await client.query<Row>(nearestChunks(indexVersion, embedding.dimension), [pgvector.toSql(embedding.vector), tenantId, collection, JSON.stringify(filters), topK]);
    return result.rows;
  });
  const chunks = rows
    // A zero vector has no direction: pgvector answers NaN for it, which is no score.
    .filter((row) => Number.isFinite(row.distance))
    .map((row): RetrievedChunk => ({
      documentId: row.documentId, chunkId: row.chunkId, title: row.title,
      score: clamp(1 - row.distance, -1, 1), snippet: snippetOf(row.text), content: row.text, metadata: flatMetadata(row.metadata),
    }))
    .filter((chunk) => chunk.score >= minScore);
  return { indexVersion, chunks };
};

import { withTenant, type Pool } from '@rivulet/store';
import { nearestDocuments } from '../support/queries.js';
import type { Scored } from './metrics.js';

export interface TokenCounter {
  tokenize(text: string): { ids: number[]; offsets: [number, number][] };
  countTokens(text: string): number;
}

/**
 * The longest prefix of `text` the model reads within `maxTokens` (special tokens included), cut at
 * a token boundary: what sentence-transformers feeds the model when it truncates to max_seq_length.
 * (It cuts token ids; cutting the text after the last kept token gives the same ids, because
 * WordPiece's greedy longest match chooses the same pieces on a prefix.)
 */
export const truncateToTokens = (tokenizer: TokenCounter, text: string, maxTokens: number): { text: string; truncated: boolean } => {
  if (tokenizer.countTokens(text) <= maxTokens) return { text, truncated: false };
  const special = tokenizer.countTokens('a') - tokenizer.tokenize('a').ids.length;
  const { offsets } = tokenizer.tokenize(text);
  for (let keep = maxTokens - special; keep > 0; keep--) {
    const prefix = text.slice(0, offsets[keep - 1]![1]);
    if (tokenizer.countTokens(prefix) <= maxTokens) return { text: prefix, truncated: true };
  }
  throw new Error('truncateToTokens: nothing fits');
};

/** Exact cosine search over normalised vectors in memory: the top `k` documents per query. */
export const rankInMemory = (documentIds: readonly string[], documentVectors: readonly Float32Array[], queryVector: Float32Array, k: number): Scored[] => {
  const scored: Scored[] = documentVectors.map((vector, index) => {
    let dot = 0;
    for (let dimension = 0; dimension < vector.length; dimension++) dot += vector[dimension]! * queryVector[dimension]!;
    return { documentId: documentIds[index]!, score: dot };
  });
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
};

/**
 * The pipeline's index: the `topChunks` nearest visible chunks of the tenant's collection (exact
 * cosine in pgvector), grouped by document, each document scored by its best chunk.
 */
export const rankInIndex = async (pool: Pool, { tenant, collection, dimension, topChunks }: { tenant: string; collection: string; dimension: number; topChunks: number }, queryVector: Float32Array): Promise<Scored[]> => {
  const { rows } = await withTenant(pool, tenant, (client) =>
    client.query<{ document_id: string; score: number }>(nearestDocuments(dimension), [tenant, collection, `[${Array.from(queryVector).join(',')}]`, topChunks]));
  return rows.map((row) => ({ documentId: row.document_id, score: row.score }));
};

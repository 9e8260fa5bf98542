/** How long after a switch the retired version still answers questions embedded with its model. */
export const RETIRED_SEARCH_WINDOW = '10 minutes';

/** The retrieval worker's SQL, named (CONVENTIONS.md rule 9). Identifiers are never interpolated from events. */
export const queries = {
  /**
   * The index version holding this model's vectors, if search reads it: the active one, or the
   * one a re-index retired last, within RETIRED_SEARCH_WINDOW of its retirement, for questions
   * still embedded with its model in the seconds before every embedding worker has switched
   * (docs/decisions/0014-reindex.md). Older retired versions are never searched: a question
   * embedded with their model gets no chunks (and the onMissingIndex warning). One row at most
   * (model id and version are unique), so one search always reads one version.
   */
  searchedIndexVersion: `
    SELECT v.id FROM index_versions v
     WHERE v.model_id = $1 AND v.model_version = $2 AND v.dimension = $3
       AND (v.state = 'active'
            OR (v.state = 'retired' AND v.retired_at > now() - interval '${RETIRED_SEARCH_WINDOW}'
                AND v.id = (SELECT id FROM index_versions WHERE state = 'retired' AND retired_at IS NOT NULL ORDER BY retired_at DESC, id DESC LIMIT 1)))`,
  /**
   * Transaction-local HNSW settings (set_config(…, true) is SET LOCAL with parameters).
   * relaxed_order: when the filters reject the first candidates, the scan goes on looking (up to
   * max_scan_tuples) instead of returning fewer than LIMIT rows; results may come slightly out of
   * order, so the search re-sorts them.
   */
  hnswSettings: `
    SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
           set_config('hnsw.ef_search', $1, true),
           set_config('hnsw.max_scan_tuples', $2, true)`,
} as const;

const checkedInteger = (name: string, value: number, max: number): number => {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
  return value;
};

/**
 * The nearest chunks of one tenant's collection that match the metadata filters, in one index
 * version. `$1` query vector, `$2` tenant, `$3` collection, `$4` filters as a JSON object, `$5` limit.
 *
 * The index version and dimension are spliced in as literals (both come from our own
 * index_versions row, never from an event): the per-version partial HNSW index is
 * `USING hnsw ((embedding::vector(<dimension>)) vector_cosine_ops) WHERE index_version = <id>`
 * (consumers/indexer/src/queries.ts), and PostgreSQL uses it only when the ORDER BY is that same
 * expression and the WHERE clause implies that predicate with a constant.
 *
 * The inner query is materialized and re-sorted because an iterative scan in relaxed order may
 * return rows slightly out of order (pgvector's documented pattern).
 *
 * No filters: `$4 = '{}'` folds to true when the statement is planned with its values (it is
 * unnamed), so the metadata test disappears. It must: chunks has row-level security, under which
 * PostgreSQL hides column statistics from operators that are not leakproof (jsonb `@>` is not),
 * so any `@>` would be estimated at 1% of the rows and push the planner off the HNSW index
 * (docs/decisions/0011-tenant-isolation.md).
 */
export const nearestChunks = (indexVersion: number, dimension: number): string => {
  checkedInteger('indexVersion', indexVersion, 2 ** 31 - 1);
  checkedInteger('dimension', dimension, 2000);
  return `
    WITH nearest AS MATERIALIZED (
      SELECT document_id, chunk_id, title, text, metadata,
             embedding::vector(${dimension}) <=> $1::vector(${dimension}) AS distance
        FROM chunks
       WHERE index_version = ${indexVersion}
         AND tenant_id = $2 AND collection = $3 AND ($4::jsonb = '{}' OR metadata @> $4::jsonb)
       ORDER BY distance
       LIMIT $5)
    SELECT document_id AS "documentId", chunk_id AS "chunkId", title, text, metadata, distance
      FROM nearest
     ORDER BY distance, chunk_id`;
};

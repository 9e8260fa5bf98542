// Named SQL the benchmarks read the pipeline's state with (CONVENTIONS.md rule 9). Read-only:
// the pipeline writes these tables; a benchmark only watches them.

/** Documents of one tenant's collection by status, with their chunk counts. */
export const STATUS_COUNTS = `
SELECT status, count(*)::int AS documents, coalesce(sum(chunk_count), 0)::int AS chunks
  FROM documents
 WHERE tenant_id = $1 AND collection = $2
 GROUP BY status`;

/** Why documents failed (a handful, for the report). */
export const FAILED_DOCUMENTS = `
SELECT document_id, error_code, error_message
  FROM documents
 WHERE tenant_id = $1 AND collection = $2 AND status = 'failed'
 ORDER BY document_id
 LIMIT 10`;

/** Chunk rows still stored for a collection (after deletes, this falls to zero). */
export const CHUNK_ROWS = `
SELECT (SELECT count(*) FROM chunks WHERE tenant_id = $1 AND collection = $2)::int
     + (SELECT count(*) FROM pending_chunks WHERE tenant_id = $1 AND collection = $2)::int AS rows`;

/**
 * The nearest chunks to a query vector among a tenant's visible chunks of the active index
 * version, by exact cosine distance, grouped to their documents (a document scores its best
 * chunk). `dimension` is the model's, checked to be an integer before it is spliced in.
 */
export const nearestDocuments = (dimension: number): string => {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 2000) throw new RangeError(`dimension must be an integer from 1 to 2000, got ${dimension}`);
  return `
SELECT document_id, max(score)::float8 AS score, count(*)::int AS chunks
  FROM (SELECT c.document_id, 1 - (c.embedding::vector(${dimension}) <=> $3::vector(${dimension})) AS score
          FROM chunks c
          JOIN index_versions v ON v.id = c.index_version AND v.state = 'active'
         WHERE c.tenant_id = $1 AND c.collection = $2
         ORDER BY c.embedding::vector(${dimension}) <=> $3::vector(${dimension})
         LIMIT $4) nearest
 GROUP BY document_id
 ORDER BY score DESC, document_id`;
};

/** How the collection was cut: chunk rows and documents visible in the active index version. */
export const INDEX_SHAPE = `
SELECT count(*)::int AS chunks, count(DISTINCT c.document_id)::int AS documents,
       max(per.chunks)::int AS max_chunks_per_document,
       count(DISTINCT c.document_id) FILTER (WHERE per.chunks = 1)::int AS single_chunk_documents
  FROM chunks c
  JOIN index_versions v ON v.id = c.index_version AND v.state = 'active'
  JOIN (SELECT document_id, count(*) AS chunks FROM chunks WHERE tenant_id = $1 AND collection = $2 GROUP BY document_id) per
    ON per.document_id = c.document_id
 WHERE c.tenant_id = $1 AND c.collection = $2`;

/**
 * Visible chunks with their text, title and stored vector (pgvector's text form), in a fixed
 * pseudo-random order; `$3` limits the count (NULL: all of them).
 */
export const CHUNKS_WITH_VECTORS = `
SELECT c.document_id, c.chunk_index, c.title, c.text, c.embedding::text AS embedding
  FROM chunks c
  JOIN index_versions v ON v.id = c.index_version AND v.state = 'active'
 WHERE c.tenant_id = $1 AND c.collection = $2
 ORDER BY md5(c.document_id || '/' || c.chunk_index)
 LIMIT $3`;

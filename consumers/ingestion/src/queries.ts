/** The ingestion worker's SQL (CONVENTIONS.md rule 9); its status transitions are the store's (document-status.ts). */
export const queries = {
  // chunk_count too: the indexer writes a completed version's count there, also for a document it
  // adopted on a replay, whose chunk_keys this worker never recorded.
  documentState: `
    SELECT version, current_version AS "currentVersion", status, chunk_count AS "chunkCount",
           GREATEST(chunk_keys, chunk_count) AS "chunkKeys"
    FROM documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
  blob: `SELECT content FROM document_blobs WHERE content_hash = $1`,
  /** Chunk keys 0 … $4-1 may hold records on the chunk topics (migration 0010). */
  recordChunkKeys: `
    UPDATE documents SET chunk_keys = $4 WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
  lockDocument: `
    SELECT version, GREATEST(chunk_keys, chunk_count) AS "chunkKeys"
    FROM documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 FOR UPDATE`,
  deleteChunks: `DELETE FROM chunks WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
  deletePendingChunks: `DELETE FROM pending_chunks WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
} as const;

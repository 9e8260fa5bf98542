/** The ingestion worker's SQL (CONVENTIONS.md rule 9). */
export const queries = {
  // chunk_count too: the indexer writes a completed version's count there, also for a document it
  // adopted on a replay, whose chunk_keys this worker never recorded.
  documentState: `
    SELECT version, current_version AS "currentVersion", status, chunk_count AS "chunkCount",
           GREATEST(chunk_keys, chunk_count) AS "chunkKeys"
    FROM documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
  blob: `SELECT content FROM document_blobs WHERE content_hash = $1`,
  markProcessing: `
    UPDATE documents SET status = 'processing', error_code = NULL, error_message = NULL, updated_at = now()
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version = $4 AND status IN ('accepted', 'processing', 'failed')`,
  // 'failed' is included: the ingress writes the row as failed ("not queued") before it publishes
  // and flips it to accepted after, so this worker can see the row before the flip (0006-ingress).
  markFailed: `
    UPDATE documents SET status = 'failed', error_code = $5, error_message = $6, updated_at = now()
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version = $4 AND status IN ('accepted', 'processing', 'failed')`,
  /** An upload of the version already indexed: nothing to do but say so. */
  markUnchanged: `
    UPDATE documents SET status = 'completed', error_code = NULL, error_message = NULL, updated_at = now()
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version = $4 AND current_version = $4`,
  /** Chunk keys 0 … $4-1 may hold records on the chunk topics (migration 0010). */
  recordChunkKeys: `
    UPDATE documents SET chunk_keys = $4 WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
  lockDocument: `
    SELECT version, GREATEST(chunk_keys, chunk_count) AS "chunkKeys"
    FROM documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 FOR UPDATE`,
  deleteChunks: `DELETE FROM chunks WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
  deletePendingChunks: `DELETE FROM pending_chunks WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
  markDeleted: `
    UPDATE documents SET status = 'deleted', current_version = NULL, chunk_count = 0, error_code = NULL, error_message = NULL, updated_at = now()
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
} as const;

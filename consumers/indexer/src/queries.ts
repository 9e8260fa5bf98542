/** The indexer's SQL, named (CONVENTIONS.md rule 9). Identifiers are never interpolated from events. */
export const queries = {
  findIndexVersion: `SELECT id, state FROM index_versions WHERE model_id = $1 AND model_version = $2`,
  createIndexVersion: `
    INSERT INTO index_versions (model_id, model_version, dimension, state, activated_at)
    SELECT $1, $2, $3,
           CASE WHEN EXISTS (SELECT 1 FROM index_versions WHERE state = 'active') THEN 'building' ELSE 'active' END,
           CASE WHEN EXISTS (SELECT 1 FROM index_versions WHERE state = 'active') THEN NULL ELSE now() END
    ON CONFLICT (model_id, model_version) DO NOTHING`,
  lockDocument: `
    SELECT version, current_version AS "currentVersion" FROM documents
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 FOR UPDATE`,
  /** A chunk whose document the database never saw (a topic replayed into an empty database). */
  adoptDocument: `
    INSERT INTO documents (tenant_id, collection, document_id, version, status, title)
    VALUES ($1, $2, $3, $4, 'processing', $5)
    ON CONFLICT (tenant_id, collection, document_id) DO NOTHING`,
  /** Whether this version is already shown for this index version (a redelivery after completion). */
  versionShown: `
    SELECT EXISTS (SELECT 1 FROM chunks
      WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND document_version = $4 AND index_version = $5) AS shown`,
  // DO NOTHING on a redelivery: the key (document version = hash of the bytes, chunk index, index
  // version = model version) fixes the text and the vector.
  addPendingChunk: `
    INSERT INTO pending_chunks (tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count,
                                title, text, start_offset, end_offset, content_hash, metadata, embedding, model_id, model_version)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::vector, $16, $17)
    ON CONFLICT (tenant_id, collection, document_id, document_version, chunk_index, index_version) DO NOTHING`,
  countPending: `
    SELECT count(*)::int AS count FROM pending_chunks
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND document_version = $4 AND index_version = $5`,
  /** The version is complete: its rows enter the searchable table (each indexed once, here). */
  showVersion: `
    INSERT INTO chunks (tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count,
                        title, text, start_offset, end_offset, content_hash, metadata, embedding, model_id, model_version)
    SELECT tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count,
           title, text, start_offset, end_offset, content_hash, metadata, embedding, model_id, model_version
      FROM pending_chunks
     WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND document_version = $4 AND index_version = $5
    ON CONFLICT DO NOTHING`,
  clearPending: `
    DELETE FROM pending_chunks
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND document_version = $4 AND index_version = $5`,
  dropOtherVersions: `
    DELETE FROM chunks
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND index_version = $5 AND document_version <> $4`,
  completeDocument: `
    UPDATE documents SET current_version = $4, status = 'completed', chunk_count = $5, error_code = NULL, error_message = NULL, updated_at = now()
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`,
  /** Pending rows of a version that was superseded or deleted before it completed. */
  dropStaleVersion: `
    DELETE FROM pending_chunks
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND document_version = $4`,
} as const;

/**
 * One partial HNSW index per index version, over `embedding::vector(dimension)`: the column has
 * no fixed dimension so that several models' vectors can live side by side (re-indexing).
 * Both numbers come from our own index_versions row, never from an event.
 */
export const createVectorIndex = (indexVersion: number, dimension: number): string =>
  `CREATE INDEX IF NOT EXISTS chunks_embedding_v${indexVersion} ON chunks USING hnsw ((embedding::vector(${dimension})) vector_cosine_ops) WHERE index_version = ${indexVersion}`;

import { createVectorIndexSql } from '@rivulet/store';

/**
 * The indexer's SQL, named (CONVENTIONS.md rule 9). Identifiers are never interpolated from events.
 * Its status transitions (adopt, complete) are the store's (document-status.ts).
 */
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
  /**
   * Whether this version is already shown for this index version (a redelivery after completion),
   * and the index version's state now (never cached: `rivulet reindex` switches it).
   */
  versionShown: `
    SELECT EXISTS (SELECT 1 FROM chunks
      WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND document_version = $4 AND index_version = $5) AS shown,
      (SELECT state FROM index_versions WHERE id = $5) AS state`,
  // DO NOTHING on a redelivery: the key (document version = hash of the bytes, chunk index, index
  // version = model version) fixes the text and the vector.
  addPendingChunk: `
    INSERT INTO pending_chunks (tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count,
                                title, text, start_offset, end_offset, content_hash, metadata, embedding, model_id, model_version)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::vector, $16, $17)
    ON CONFLICT (tenant_id, collection, document_id, document_version, chunk_index, index_version) DO NOTHING`,
  /**
   * The version's chunks so far, and the index version's state read again after this chunk's row
   * went in: a switch (or drop) waits for transactions holding a pending_chunks row lock and holds
   * back new ones, so a state read here is never older than a switch this transaction missed
   * (docs/decisions/0014-reindex.md, "The switch").
   */
  countPending: `
    SELECT count(*)::int AS count, (SELECT state FROM index_versions WHERE id = $5) AS state FROM pending_chunks
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
  /** Pending rows of a version that was superseded or deleted before it completed. */
  dropStaleVersion: `
    DELETE FROM pending_chunks
    WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND document_version = $4`,
} as const;

/**
 * One partial HNSW index per index version (the store's createVectorIndexSql). Both numbers come
 * from our own index_versions row, never from an event.
 */
export const createVectorIndex = (indexVersion: number, dimension: number): string => createVectorIndexSql(indexVersion, dimension);

/** What a re-index asks (ChunkStore.unindexed). */
export const replayQueries = {
  /**
   * Per replayed chunk, in order: true when its document version is the document's current one
   * and the index version holds it neither shown nor pending. `$1`…`$5` are parallel arrays
   * (tenant, collection, document, document version, chunk index), `$6` the index version.
   */
  unindexed: `
    SELECT (d.version IS NOT DISTINCT FROM i.document_version AND d.version IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM chunks c
                             WHERE c.tenant_id = i.tenant_id AND c.collection = i.collection AND c.document_id = i.document_id
                               AND c.document_version = i.document_version AND c.index_version = $6)
            AND NOT EXISTS (SELECT 1 FROM pending_chunks p
                             WHERE p.tenant_id = i.tenant_id AND p.collection = i.collection AND p.document_id = i.document_id
                               AND p.document_version = i.document_version AND p.chunk_index = i.chunk_index AND p.index_version = $6)) AS needed
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS i(tenant_id, collection, document_id, document_version, chunk_index, position)
      LEFT JOIN documents d ON d.tenant_id = i.tenant_id AND d.collection = i.collection AND d.document_id = i.document_id
     ORDER BY i.position`,
} as const;

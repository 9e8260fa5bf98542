// The SQL of index-versions.ts (CONVENTIONS.md rule 9). Identifiers spliced in (an index name, a
// dimension) always come from our own index_versions row, never from an event or a flag.

const COLUMNS = `id, model_id AS "modelId", model_version AS "modelVersion", dimension, state, model_spec AS "modelSpec",
  created_at AS "createdAt", activated_at AS "activatedAt", retired_at AS "retiredAt", dropped_at AS "droppedAt"`;

export const indexVersionQueries = {
  all: `SELECT ${COLUMNS} FROM index_versions ORDER BY id`,
  byId: `SELECT ${COLUMNS} FROM index_versions WHERE id = $1`,
  byModel: `SELECT ${COLUMNS} FROM index_versions WHERE model_id = $1 AND model_version = $2`,
  active: `SELECT ${COLUMNS} FROM index_versions WHERE state = 'active'`,
  /** Rows per index version; chunks and pending_chunks have row-level security: run with every tenant visible. */
  counts: `
    SELECT index_version AS id, sum(chunks)::bigint AS chunks, sum(pending)::bigint AS pending, sum(documents)::bigint AS documents FROM (
      SELECT index_version, count(*) AS chunks, 0 AS pending,
             count(DISTINCT (tenant_id, collection, document_id)) AS documents FROM chunks GROUP BY index_version
      UNION ALL
      SELECT index_version, 0, count(*), 0 FROM pending_chunks GROUP BY index_version) AS counted
    GROUP BY index_version`,
  /**
   * A new version, or one taken up again: a dropped or retired version becomes building (a
   * retired one keeps its rows; the replay brings them up to date), a building one is resumed.
   */
  register: `
    INSERT INTO index_versions (model_id, model_version, dimension, state, model_spec)
    VALUES ($1, $2, $3, 'building', $4)
    ON CONFLICT (model_id, model_version) DO UPDATE
       SET model_spec = EXCLUDED.model_spec,
           state = CASE WHEN index_versions.state = 'active' THEN 'active' ELSE 'building' END,
           created_at = CASE WHEN index_versions.state = 'dropped' THEN now() ELSE index_versions.created_at END,
           dropped_at = NULL
    RETURNING ${COLUMNS}`,
  /**
   * Document versions the active index shows that the candidate does not. A document whose latest
   * upload failed keeps showing its previous version in the active index, which a replay cannot
   * carry over (its chunks are not the current version's): not counted, reported apart.
   */
  missing: `
    SELECT count(*)::int AS missing,
           count(*) FILTER (WHERE d.status = 'failed' AND d.version IS DISTINCT FROM shown.document_version)::int AS "failedUpdates"
      FROM (SELECT DISTINCT tenant_id, collection, document_id, document_version FROM chunks WHERE index_version = $1) AS shown
      JOIN documents d USING (tenant_id, collection, document_id)
     WHERE NOT EXISTS (SELECT 1 FROM chunks n
                        WHERE n.tenant_id = shown.tenant_id AND n.collection = shown.collection AND n.document_id = shown.document_id
                          AND n.document_version = shown.document_version AND n.index_version = $2)`,
  /** Documents whose latest upload failed while the active version still shows their previous version (what --allow-missing lets go). */
  failedUpdateDocuments: `
    SELECT DISTINCT shown.tenant_id AS "tenantId", shown.collection, shown.document_id AS "documentId", shown.document_version AS "documentVersion"
      FROM (SELECT DISTINCT tenant_id, collection, document_id, document_version FROM chunks WHERE index_version = $1) AS shown
      JOIN documents d USING (tenant_id, collection, document_id)
     WHERE d.status = 'failed' AND d.version IS DISTINCT FROM shown.document_version
       AND NOT EXISTS (SELECT 1 FROM chunks n
                        WHERE n.tenant_id = shown.tenant_id AND n.collection = shown.collection AND n.document_id = shown.document_id
                          AND n.document_version = shown.document_version AND n.index_version = $2)
     ORDER BY 1, 2, 3 LIMIT $3`,
  /**
   * After a switch: documents whose current version the retired version $1 shows and the active
   * version $2 does not (a chunk a worker embedded with the old model that the replay has not
   * carried). $3: also skip documents whose latest upload failed (--allow-missing). $4: a limit.
   */
  notCarried: `
    SELECT d.tenant_id AS "tenantId", d.collection, d.document_id AS "documentId", d.current_version AS "documentVersion", count(*) OVER ()::int AS total
      FROM documents d
     WHERE d.current_version IS NOT NULL
       AND NOT ($3::boolean AND d.status = 'failed' AND d.version IS DISTINCT FROM d.current_version)
       AND EXISTS (SELECT 1 FROM chunks o WHERE o.index_version = $1 AND o.tenant_id = d.tenant_id AND o.collection = d.collection
                      AND o.document_id = d.document_id AND o.document_version = d.current_version)
       AND NOT EXISTS (SELECT 1 FROM chunks n WHERE n.index_version = $2 AND n.tenant_id = d.tenant_id AND n.collection = d.collection
                          AND n.document_id = d.document_id AND n.document_version = d.current_version)
     ORDER BY 1, 2, 3 LIMIT $4`,
  /** The version retired last (the one a re-run of the post-switch steps compares with). */
  lastRetired: `SELECT ${COLUMNS} FROM index_versions WHERE state = 'retired' AND retired_at IS NOT NULL ORDER BY retired_at DESC, id DESC LIMIT 1`,
  /** Whether an index version's HNSW index exists and is valid (an interrupted CREATE INDEX CONCURRENTLY leaves it invalid). */
  vectorIndexValid: `
    SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)`,
  retireActive: `UPDATE index_versions SET state = 'retired', retired_at = now() WHERE state = 'active' RETURNING id`,
  activate: `UPDATE index_versions SET state = 'active', activated_at = now(), retired_at = NULL WHERE id = $1 AND state = 'building'`,
  /**
   * The documents completed since version $1 became active whose current version it shows: those
   * the switch completed (completeShown), and those the indexer completed after it. What a
   * (re-)run announces: document-indexed `completed` again for a document already completed
   * changes nothing for its readers.
   */
  completedSinceSwitch: `
    SELECT d.tenant_id AS "tenantId", d.collection, d.document_id AS "documentId", d.version AS "documentVersion", d.chunk_count AS "chunkCount"
      FROM documents d JOIN index_versions v ON v.id = $1
     WHERE v.state = 'active' AND d.status = 'completed' AND d.updated_at >= v.activated_at AND d.current_version = d.version
       AND EXISTS (SELECT 1 FROM chunks c WHERE c.index_version = $1 AND c.tenant_id = d.tenant_id AND c.collection = d.collection
                      AND c.document_id = d.document_id AND c.document_version = d.version)
     ORDER BY 1, 2, 3`,
  markDropped: `UPDATE index_versions SET state = 'dropped', dropped_at = now() WHERE id = $1`,
  lockForUpdate: `SELECT state FROM index_versions WHERE id = $1 FOR UPDATE`,
  /** Batches by ctid: a DELETE has no LIMIT. */
  deleteChunksBatch: `DELETE FROM chunks WHERE ctid = ANY (ARRAY(SELECT ctid FROM chunks WHERE index_version = $1 LIMIT $2))`,
  deletePendingBatch: `DELETE FROM pending_chunks WHERE ctid = ANY (ARRAY(SELECT ctid FROM pending_chunks WHERE index_version = $1 LIMIT $2))`,
  /**
   * Waits for the transactions that are adding chunks (they hold ROW EXCLUSIVE on pending_chunks:
   * every chunk passes through it) and holds new ones back until this transaction ends. Reads
   * are not blocked. See docs/decisions/0014-reindex.md, "The switch".
   */
  holdChunkWriters: `LOCK TABLE pending_chunks IN SHARE MODE`,
} as const;

const checkedInteger = (name: string, value: number, max: number): number => {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
  return value;
};

/** The name of an index version's partial HNSW index. */
export const vectorIndexName = (indexVersion: number): string => `chunks_embedding_v${checkedInteger('indexVersion', indexVersion, 2 ** 31 - 1)}`;

/**
 * One partial HNSW index per index version, over `embedding::vector(dimension)`: the column has
 * no fixed dimension so that several models' vectors can live side by side. `concurrently`: built
 * without blocking writes to chunks (not inside a transaction); the indexer's lazy creation of a
 * version it meets first uses the plain form inside its own flow.
 */
export const createVectorIndexSql = (indexVersion: number, dimension: number, { concurrently = false } = {}): string =>
  `CREATE INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF NOT EXISTS ${vectorIndexName(indexVersion)} ON chunks USING hnsw ((embedding::vector(${checkedInteger('dimension', dimension, 2000)})) vector_cosine_ops) WHERE index_version = ${indexVersion}`;

/** Removes an index version's HNSW index without blocking search or indexing (not inside a transaction). */
export const dropVectorIndexSql = (indexVersion: number): string => `DROP INDEX CONCURRENTLY IF EXISTS ${vectorIndexName(indexVersion)}`;

// The ingress's SQL, by name (CONVENTIONS.md rule 9). Tables: packages/store/migrations/0002_documents.sql.
// Every statement is scoped by (tenant_id, collection, document_id): a tenant never reaches another's rows.
// The status transitions (pending, accepted) are the store's (packages/store/src/document-status.ts).

/** Content-addressed and immutable: the same bytes are stored once, whoever sends them. */
export const INSERT_BLOB = `
INSERT INTO document_blobs (content_hash, content, size_bytes)
VALUES ($1, $2, $3)
ON CONFLICT (content_hash) DO NOTHING`;

export const SELECT_DOCUMENT = `
SELECT status, version, chunk_count, error_code, error_message
FROM documents
WHERE tenant_id = $1 AND collection = $2 AND document_id = $3`;

/** A delete clears the version at once (workers stop publishing the old one); the status waits for the pipeline. */
export const CLEAR_VERSION = `
UPDATE documents AS document SET version = NULL, updated_at = now()
FROM (
  SELECT tenant_id, collection, document_id, version
  FROM documents
  WHERE tenant_id = $1 AND collection = $2 AND document_id = $3
  FOR UPDATE
) AS previous
WHERE document.tenant_id = previous.tenant_id AND document.collection = previous.collection AND document.document_id = previous.document_id
RETURNING previous.version AS previous_version`;

/** Undoes CLEAR_VERSION when the delete could not be published, unless an upsert came in since. */
export const RESTORE_VERSION = `
UPDATE documents SET version = $4, updated_at = now()
WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version IS NULL`;

// The ingress's SQL, by name (CONVENTIONS.md rule 9). Tables: packages/store/migrations/0002_documents.sql.
// Every statement is scoped by (tenant_id, collection, document_id): a tenant never reaches another's rows.

/** Content-addressed and immutable: the same bytes are stored once, whoever sends them. */
export const INSERT_BLOB = `
INSERT INTO document_blobs (content_hash, content, size_bytes)
VALUES ($1, $2, $3)
ON CONFLICT (content_hash) DO NOTHING`;

/**
 * A new version, written before its event is published: status `failed` with a message unique to
 * the request, turned into `accepted` once Kafka acknowledged the event (docs/decisions/0006-ingress.md).
 * current_version and chunk_count stay as they are: they describe what is searchable now.
 */
export const UPSERT_PENDING_DOCUMENT = `
INSERT INTO documents (tenant_id, collection, document_id, version, status, title, file_name, mime_type, size_bytes, metadata, error_code, error_message)
VALUES ($1, $2, $3, $4, 'failed', $5, $6, $7, $8, $9, 'internal', $10)
ON CONFLICT (tenant_id, collection, document_id) DO UPDATE SET
  version = EXCLUDED.version,
  status = EXCLUDED.status,
  title = EXCLUDED.title,
  file_name = EXCLUDED.file_name,
  mime_type = EXCLUDED.mime_type,
  size_bytes = EXCLUDED.size_bytes,
  metadata = EXCLUDED.metadata,
  error_code = EXCLUDED.error_code,
  error_message = EXCLUDED.error_message,
  updated_at = now()`;

/** Only the request that wrote the pending row may flip it; a newer version or a pipeline status wins. */
export const MARK_ACCEPTED = `
UPDATE documents SET status = 'accepted', error_code = NULL, error_message = NULL, updated_at = now()
WHERE tenant_id = $1 AND collection = $2 AND document_id = $3
  AND version = $4 AND status = 'failed' AND error_message = $5`;

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

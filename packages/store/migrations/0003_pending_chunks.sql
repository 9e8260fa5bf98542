-- Up Migration
-- Chunks of a document version wait in pending_chunks (no vector or full-text index) until the
-- version is complete; then one transaction moves them into chunks and drops the previous
-- version. Before, they were written to chunks invisible and shown with an UPDATE, which wrote
-- every chunk into the HNSW and full-text indexes twice (no HOT update is possible when a
-- partial index's predicate column changes). Everything in chunks is now searchable.
CREATE TABLE pending_chunks (
  tenant_id        text        NOT NULL,
  collection       text        NOT NULL,
  document_id      text        NOT NULL,
  document_version text        NOT NULL,
  chunk_index      integer     NOT NULL,
  index_version    integer     NOT NULL REFERENCES index_versions (id),
  chunk_id         text        NOT NULL,
  chunk_count      integer     NOT NULL,
  title            text,
  text             text        NOT NULL,
  start_offset     integer     NOT NULL,
  end_offset       integer     NOT NULL,
  content_hash     text        NOT NULL,
  metadata         jsonb       NOT NULL DEFAULT '{}',
  embedding        vector      NOT NULL,
  model_id         text        NOT NULL,
  model_version    text        NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, collection, document_id, document_version, chunk_index, index_version)
);

-- Rows not yet shown move to pending_chunks; the visibility flag goes away.
INSERT INTO pending_chunks (tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count,
                            title, text, start_offset, end_offset, content_hash, metadata, embedding, model_id, model_version, created_at)
SELECT tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count,
       title, text, start_offset, end_offset, content_hash, metadata, embedding, model_id, model_version, created_at
  FROM chunks WHERE NOT visible;
DELETE FROM chunks WHERE NOT visible;
ALTER TABLE chunks DROP COLUMN visible;
CREATE INDEX chunks_scope ON chunks (tenant_id, collection, index_version);

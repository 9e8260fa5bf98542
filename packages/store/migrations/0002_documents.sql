-- Up Migration
-- Documents and their chunks (issue: ingestion and embeddings). See docs/decisions/0005-ingestion-pipeline.md.

-- One row per document a tenant has ever sent. `version` is the latest accepted version (the
-- sha256 of its bytes), written by the ingress when it accepts an upsert (NULL after a delete):
-- workers compare against it so late events of a superseded version never become visible.
CREATE TABLE documents (
  tenant_id        text        NOT NULL,
  collection       text        NOT NULL,
  document_id      text        NOT NULL,
  version          text,
  current_version  text,
  status           text        NOT NULL CHECK (status IN ('accepted', 'processing', 'completed', 'failed', 'deleted')),
  title            text,
  file_name        text,
  mime_type        text,
  size_bytes       bigint      NOT NULL DEFAULT 0,
  metadata         jsonb       NOT NULL DEFAULT '{}',
  chunk_count      integer     NOT NULL DEFAULT 0,
  error_code       text,
  error_message    text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, collection, document_id)
);

-- Content-addressed document bytes too large to travel inline in a Kafka record. Immutable:
-- a replay of the documents topic finds the same bytes under the same hash.
CREATE TABLE document_blobs (
  content_hash text        PRIMARY KEY,
  content      bytea       NOT NULL,
  size_bytes   bigint      NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- An index version is one embedding model's vector space. Search reads the active one; a
-- re-index builds another beside it and switches atomically.
CREATE TABLE index_versions (
  id            serial      PRIMARY KEY,
  model_id      text        NOT NULL,
  model_version text        NOT NULL,
  dimension     integer     NOT NULL CHECK (dimension > 0 AND dimension <= 2000),
  state         text        NOT NULL CHECK (state IN ('building', 'active', 'retired')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  activated_at  timestamptz,
  UNIQUE (model_id, model_version)
);
CREATE UNIQUE INDEX index_versions_one_active ON index_versions ((true)) WHERE state = 'active';

-- Chunks with their vectors. Rows of a version that is not yet complete stay invisible
-- (visible = false) until the whole version is in; then one transaction shows them and
-- removes the previous version's rows, so search never sees a mix.
-- `embedding` has no fixed dimension: each index version gets a partial HNSW index over
-- `embedding::vector(<dimension>)` (created by the indexer), so the dimension follows the model.
CREATE TABLE chunks (
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
  visible          boolean     NOT NULL DEFAULT false,
  text_search      tsvector    GENERATED ALWAYS AS (to_tsvector('english', coalesce(title, '') || ' ' || text)) STORED,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, collection, document_id, document_version, chunk_index, index_version)
);
CREATE INDEX chunks_visible_scope ON chunks (tenant_id, collection, index_version) WHERE visible;
CREATE INDEX chunks_text_search ON chunks USING gin (text_search);
CREATE INDEX chunks_metadata ON chunks USING gin (metadata jsonb_path_ops);

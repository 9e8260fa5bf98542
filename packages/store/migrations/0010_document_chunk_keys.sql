-- Up Migration
-- Stale chunk keys (docs/topics.md, "Tombstones"): the chunking worker tombstones the keys
-- `<document>/<index>` of rivulet.ingestion.chunks and chunks-embedded that a shorter new version
-- or a delete leaves behind. chunk_count cannot say which keys exist: the indexer writes it only
-- when a version completes, so a version replaced or deleted while still being embedded is not in
-- it. chunk_keys is the chunking worker's own count: indexes 0 … chunk_keys-1 may hold a live record.
-- It is raised before a version's chunks are published and lowered only after the tombstones of
-- the keys above the new count are acknowledged, so it never counts fewer keys than exist.
ALTER TABLE documents ADD COLUMN chunk_keys integer NOT NULL DEFAULT 0 CHECK (chunk_keys >= 0);

-- Existing documents: the largest count known (the same estimate `rivulet erase` used).
UPDATE documents d SET chunk_keys = GREATEST(d.chunk_count,
  (SELECT max(chunk_index) + 1 FROM chunks c WHERE c.tenant_id = d.tenant_id AND c.collection = d.collection AND c.document_id = d.document_id),
  (SELECT max(chunk_index) + 1 FROM pending_chunks p WHERE p.tenant_id = d.tenant_id AND p.collection = d.collection AND p.document_id = d.document_id),
  0);

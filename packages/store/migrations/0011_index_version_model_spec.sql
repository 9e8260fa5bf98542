-- Up Migration
-- Re-indexing with another embedding model (docs/decisions/0014-reindex.md).
-- model_spec: how any process rebuilds the model of an index version (`rivulet reindex` writes
-- it; the embedding workers load it when the version becomes active). NULL for a version the
-- indexer created from the vectors it received (the first one): its model is whatever the
-- workers are configured with. It never holds a secret: an API key is named by its environment
-- variable.
ALTER TABLE index_versions ADD COLUMN model_spec jsonb;
ALTER TABLE index_versions ADD COLUMN retired_at timestamptz;
ALTER TABLE index_versions ADD COLUMN dropped_at timestamptz;
-- 'dropped': `rivulet reindex --drop` removed its rows and its HNSW index. The row stays (chunks
-- refer to index versions, and a late vector of that model must find a version that refuses it
-- rather than create a new one); a later re-index with the same model takes it up again.
ALTER TABLE index_versions DROP CONSTRAINT index_versions_state_check;
ALTER TABLE index_versions ADD CONSTRAINT index_versions_state_check CHECK (state IN ('building', 'active', 'retired', 'dropped'));

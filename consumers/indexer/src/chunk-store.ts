import pgvector from 'pgvector';
import { adoptDocumentVersion, completeDocumentVersion, withAllTenants, withTenant, type Pool, type PoolClient } from '@rivulet/store';
import type { Chunk, Embedding } from '@rivulet/schemas';
import { createVectorIndex, queries, replayQueries } from './queries.js';

/** An index version's state as the chunk's transaction read it (index_versions.state). */
type VersionState = 'building' | 'active' | 'retired' | 'dropped';

/**
 * `completed`: this chunk made its document version complete (or it already was: a redelivery);
 * `active` says whether its index version is the one search reads (only then is the document
 * marked completed). `pending`: more chunks of the version are still to come. `stale`: the
 * version was replaced or deleted before it completed, and its rows were dropped; or its index
 * version was dropped (`rivulet reindex --drop`), and nothing was stored.
 */
export type IndexOutcome = { outcome: 'completed'; chunkCount: number; active: boolean } | { outcome: 'pending' | 'stale' };

/** A chunk as a replay of the chunk topic meets it. */
export interface ReplayedChunk {
  tenantId: string;
  chunk: Chunk;
}

/** The indexer's port to PostgreSQL. */
export interface ChunkStore {
  index(tenantId: string, chunk: Chunk, embedding: Embedding): Promise<IndexOutcome>;
  /**
   * For a re-index (`rivulet reindex`): which of these chunks index version `indexVersion` still
   * needs, i.e. whose document version is the document's current one (the documents table is the
   * truth) and which it holds neither shown nor pending. One query, across tenants; the others
   * need no embedding.
   */
  unindexed(chunks: readonly ReplayedChunk[], indexVersion: number): Promise<boolean[]>;
}

/**
 * Under a lock on the document row: adds the chunk to pending_chunks (idempotent: keyed by
 * document, version, index and index version), and once all of the version's chunks are there,
 * moves them into the searchable chunks table and drops the previous version's, in one
 * transaction. Search reads only `chunks`, so it never sees a mix or half a version, and each
 * chunk enters the HNSW and full-text indexes once. The index version's state is read inside the
 * transaction, never cached: a re-index switches it while this runs.
 */
export const createChunkStore = (pool: Pool): ChunkStore => {
  // Only the id (and that its HNSW index exists) is cached: a (model id, model version) row keeps its id.
  const versions = new Map<string, Promise<number>>();

  const indexVersion = (embedding: Embedding): Promise<number> => {
    const key = `${embedding.modelId}\u0000${embedding.modelVersion}`;
    let version = versions.get(key);
    if (!version) {
      version = (async () => {
        await pool.query(queries.createIndexVersion, [embedding.modelId, embedding.modelVersion, embedding.dimension]);
        const { rows } = await pool.query<{ id: number; state: VersionState }>(queries.findIndexVersion, [embedding.modelId, embedding.modelVersion]);
        const row = rows[0]!;
        // A dropped version stores nothing: no index to build (a re-index that takes it up builds it).
        if (row.state !== 'dropped') await pool.query(createVectorIndex(row.id, embedding.dimension));
        return row.id;
      })();
      versions.set(key, version);
      version.catch(() => versions.delete(key));
    }
    return version;
  };

  return {
    async index(tenantId, chunk, embedding) {
      if (embedding.vector.length !== embedding.dimension) {
        throw Object.assign(new Error(`Embedding has ${embedding.vector.length} values but says dimension ${embedding.dimension}`), { code: 'invalid_event', retriable: false });
      }
      const versionId = await indexVersion(embedding);
      const scope = [tenantId, chunk.collection, chunk.documentId, chunk.documentVersion, versionId];
      // Named queries are prepared once per connection: this runs once per chunk.
      const run = <Row extends object = object>(name: keyof typeof queries, values: unknown[]) =>
        (client: PoolClient) => client.query<Row>({ name: `indexer.${name}`, text: queries[name], values });
      return withTenant(pool, tenantId, async (client): Promise<IndexOutcome> => {
        const key = scope.slice(0, 3);
        const reference = { tenantId, collection: chunk.collection, documentId: chunk.documentId };
        let document = (await run<{ version: string | null }>('lockDocument', key)(client)).rows[0];
        if (!document) {
          await adoptDocumentVersion(client, reference, chunk.documentVersion, chunk.title);
          document = (await run<{ version: string | null }>('lockDocument', key)(client)).rows[0];
        }
        if (document?.version !== chunk.documentVersion) {
          await run('dropStaleVersion', scope.slice(0, 4))(client);
          return { outcome: 'stale' };
        }
        const shown = (await run<{ shown: boolean; state: VersionState }>('versionShown', scope)(client)).rows[0]!;
        let state = shown.state;
        if (state === 'dropped') return { outcome: 'stale' };
        if (!shown.shown) {
          await run('addPendingChunk', [
            tenantId, chunk.collection, chunk.documentId, chunk.documentVersion, chunk.index, versionId, chunk.chunkId, chunk.chunkCount,
            chunk.title, chunk.text, chunk.startOffset, chunk.endOffset, chunk.contentHash, chunk.metadata,
            pgvector.toSql(embedding.vector), embedding.modelId, embedding.modelVersion,
          ])(client);
          const pending = (await run<{ count: number; state: VersionState }>('countPending', scope)(client)).rows[0]!;
          state = pending.state;
          if (state === 'dropped') {
            await run('clearPending', scope)(client);
            return { outcome: 'stale' };
          }
          if (pending.count < chunk.chunkCount) return { outcome: 'pending' };
          await run('dropOtherVersions', scope)(client);
          await run('showVersion', scope)(client);
          await run('clearPending', scope)(client);
        }
        const active = state === 'active';
        if (active) await completeDocumentVersion(client, reference, chunk.documentVersion, chunk.chunkCount);
        return { outcome: 'completed', chunkCount: chunk.chunkCount, active };
      });
    },

    async unindexed(chunks, indexVersion) {
      if (chunks.length === 0) return [];
      const columns = [
        chunks.map(({ tenantId }) => tenantId), chunks.map(({ chunk }) => chunk.collection), chunks.map(({ chunk }) => chunk.documentId),
        chunks.map(({ chunk }) => chunk.documentVersion), chunks.map(({ chunk }) => chunk.index),
      ];
      const { rows } = await withAllTenants(pool, 'rivulet reindex: which replayed chunks need embedding', (client) =>
        client.query<{ needed: boolean }>(replayQueries.unindexed, [...columns, indexVersion]));
      return rows.map((row) => row.needed);
    },
  };
};

import pgvector from 'pgvector';
import { withTenant, type Pool, type PoolClient } from '@rivulet/store';
import type { Chunk, Embedding } from '@rivulet/schemas';
import { createVectorIndex, queries } from './queries.js';

export interface IndexVersion {
  id: number;
  active: boolean;
}

/**
 * `completed`: this chunk made its document version complete (or it already was: a redelivery);
 * `pending`: more chunks of the version are still to come; `stale`: the version was replaced or
 * deleted before it completed, and its rows were dropped.
 */
export type IndexOutcome = { outcome: 'completed'; chunkCount: number; active: boolean } | { outcome: 'pending' | 'stale' };

/** The indexer's port to PostgreSQL. */
export interface ChunkStore {
  index(tenantId: string, chunk: Chunk, embedding: Embedding): Promise<IndexOutcome>;
}

/**
 * Under a lock on the document row: adds the chunk to pending_chunks (idempotent: keyed by
 * document, version, index and index version), and once all of the version's chunks are there,
 * moves them into the searchable chunks table and drops the previous version's, in one
 * transaction. Search reads only `chunks`, so it never sees a mix or half a version, and each
 * chunk enters the HNSW and full-text indexes once.
 */
export const createChunkStore = (pool: Pool): ChunkStore => {
  const versions = new Map<string, Promise<IndexVersion>>();

  const indexVersion = (embedding: Embedding): Promise<IndexVersion> => {
    const key = `${embedding.modelId}\u0000${embedding.modelVersion}`;
    let version = versions.get(key);
    if (!version) {
      version = (async () => {
        await pool.query(queries.createIndexVersion, [embedding.modelId, embedding.modelVersion, embedding.dimension]);
        const { rows } = await pool.query<{ id: number; state: string }>(queries.findIndexVersion, [embedding.modelId, embedding.modelVersion]);
        const row = rows[0]!;
        await pool.query(createVectorIndex(row.id, embedding.dimension));
        return { id: row.id, active: row.state === 'active' };
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
      const version = await indexVersion(embedding);
      const scope = [tenantId, chunk.collection, chunk.documentId, chunk.documentVersion, version.id];
      // Named queries are prepared once per connection: this runs once per chunk.
      const run = <Row extends object = object>(name: keyof typeof queries, values: unknown[]) =>
        (client: PoolClient) => client.query<Row>({ name: `indexer.${name}`, text: queries[name], values });
      return withTenant(pool, tenantId, async (client) => {
        const key = scope.slice(0, 3);
        let document = (await run<{ version: string | null }>('lockDocument', key)(client)).rows[0];
        if (!document) {
          await run('adoptDocument', [tenantId, chunk.collection, chunk.documentId, chunk.documentVersion, chunk.title])(client);
          document = (await run<{ version: string | null }>('lockDocument', key)(client)).rows[0];
        }
        if (document?.version !== chunk.documentVersion) {
          await run('dropStaleVersion', scope.slice(0, 4))(client);
          return { outcome: 'stale' };
        }
        const { shown } = (await run<{ shown: boolean }>('versionShown', scope)(client)).rows[0]!;
        if (!shown) {
          await run('addPendingChunk', [
            tenantId, chunk.collection, chunk.documentId, chunk.documentVersion, chunk.index, version.id, chunk.chunkId, chunk.chunkCount,
            chunk.title, chunk.text, chunk.startOffset, chunk.endOffset, chunk.contentHash, chunk.metadata,
            pgvector.toSql(embedding.vector), embedding.modelId, embedding.modelVersion,
          ])(client);
          const { count } = (await run<{ count: number }>('countPending', scope)(client)).rows[0]!;
          if (count < chunk.chunkCount) return { outcome: 'pending' };
          await run('dropOtherVersions', scope)(client);
          await run('showVersion', scope)(client);
          await run('clearPending', scope)(client);
        }
        if (version.active) await run('completeDocument', [...scope.slice(0, 4), chunk.chunkCount])(client);
        return { outcome: 'completed', chunkCount: chunk.chunkCount, active: version.active };
      });
    },
  };
};

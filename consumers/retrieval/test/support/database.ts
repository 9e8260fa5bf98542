import { randomBytes } from 'node:crypto';
import type { Chunk, Embedding } from '@rivulet/schemas';
import { createPool, migrate, type Pool } from '@rivulet/store';
import { createChunkStore } from '@rivulet/worker-indexer';

export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';

export const MODEL = { modelId: 'test-model', modelVersion: 'v1', dimension: 384 } as const;

/** A deterministic pseudo-random source, so every run sees the same vectors. */
export { seededRandom as randomSource } from '@rivulet/testing';

export const normalize = (vector: readonly number[]): number[] => {
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
};

/** A random direction (normal components, normalised). */
export const randomVector = (random: () => number, dimension: number = MODEL.dimension): number[] =>
  normalize(Array.from({ length: dimension }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));

/** `base` moved by `amount` in a random direction, normalised. */
export const near = (base: readonly number[], amount: number, random: () => number): number[] => {
  const noise = randomVector(random, base.length);
  return normalize(base.map((value, index) => value + amount * noise[index]!));
};

export const embedding = (vector: readonly number[]): Embedding => ({ ...MODEL, vector: [...vector] });

export interface TestChunk {
  text: string;
  vector: readonly number[];
  metadata?: Record<string, string>;
}

/**
 * A schema of its own, migrated, and the indexer's real chunk store: documents go in exactly as
 * the indexer writes them (its index version row, its per-version partial HNSW index), so a
 * change to how the indexer builds the index breaks these tests instead of production.
 */
export const createTestDatabase = async () => {
  const schema = `retrieval_test_${randomBytes(4).toString('hex')}`;
  await migrate({ databaseUrl, schema });
  const pool: Pool = createPool({ databaseUrl, schema, max: 8 });
  const store = createChunkStore(pool);

  /** Indexes one document version of `chunks`, as the indexer does when its chunk-embedded events arrive. */
  const indexDocument = async (tenantId: string, { documentId, collection = 'default', title = null, chunks }: { documentId: string; collection?: string; title?: string | null; chunks: readonly TestChunk[] }): Promise<void> => {
    const version = `sha256:${documentId}`;
    const events: Chunk[] = chunks.map((chunk, index) => ({
      documentId, collection, documentVersion: version, chunkId: `${documentId}:${index}`, index, chunkCount: chunks.length,
      text: chunk.text, startOffset: 0, endOffset: chunk.text.length, contentHash: `sha256:${documentId}:${index}`, title, metadata: chunk.metadata ?? {},
    }));
    // The first chunk alone, so the document row exists before the others race for its lock.
    await store.index(tenantId, events[0]!, embedding(chunks[0]!.vector));
    await Promise.all(events.slice(1).map((chunk, index) => store.index(tenantId, chunk, embedding(chunks[index + 1]!.vector))));
  };

  const close = async (): Promise<void> => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  };

  return { schema, pool, indexDocument, close };
};

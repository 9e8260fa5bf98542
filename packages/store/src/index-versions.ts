// Index versions (migrations 0001, 0011; docs/decisions/0014-reindex.md): one embedding model's
// vector space each. `rivulet reindex` registers one, switches search to it atomically and drops
// an old one; the embedding workers read the active one's model_spec. The indexer's per-chunk
// flow lives in consumers/indexer (chunk-store.ts).
import { StoreError } from './conversations.js';
import { createVectorIndexSql, dropVectorIndexSql, indexVersionQueries as queries } from './index-version-queries.js';
import { withTransaction, type Pool } from './pool.js';
import { withAllTenants } from './tenant-scope.js';

export const INDEX_VERSION_STATES = ['building', 'active', 'retired', 'dropped'] as const;
/**
 * `building`: filled by a re-index, not searched. `active`: what search reads (one at most).
 * `retired`: the previous active one, still searched by questions embedded with its model (the
 * seconds before every embedding worker has switched models), until dropped. `dropped`: its rows
 * and HNSW index are gone.
 */
export type IndexVersionState = (typeof INDEX_VERSION_STATES)[number];

export interface IndexVersion {
  id: number;
  modelId: string;
  modelVersion: string;
  dimension: number;
  state: IndexVersionState;
  /** How to rebuild the model (see @rivulet/embedding's ModelSpec); null for a version the indexer created on its own. */
  modelSpec: Record<string, unknown> | null;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  droppedAt: Date | null;
}

export interface IndexVersionSummary extends IndexVersion {
  /** Searchable rows (chunks). */
  chunks: number;
  /** Rows waiting for the rest of their document version (pending_chunks). */
  pendingChunks: number;
  /** Documents with at least one searchable row. */
  documents: number;
}

export interface NewIndexVersion {
  modelId: string;
  modelVersion: string;
  dimension: number;
  modelSpec: Record<string, unknown>;
}

/** A document that became completed when its index version became active. */
export interface CompletedDocument {
  tenantId: string;
  collection: string;
  documentId: string;
  documentVersion: string;
  chunkCount: number;
}

/** Where a candidate stands against the active version: caught up when `missing - failedUpdates` is 0. */
export interface IndexCoverage {
  /** Document versions the active version shows and the candidate does not. */
  missing: number;
  /** Of those, documents whose latest upload failed: only their previous version is shown, and a replay cannot carry it. */
  failedUpdates: number;
}

export type SwitchResult =
  | ({ switched: false } & IndexCoverage)
  | { switched: true; previous: number | null; failedUpdates: number; completed: CompletedDocument[] };

export interface DropResult {
  version: IndexVersion;
  chunks: number;
  pendingChunks: number;
}

/** Every index version, oldest first, with its row counts. */
export const listIndexVersions = async (pool: Pool): Promise<IndexVersionSummary[]> => {
  const { rows } = await pool.query<IndexVersion>(queries.all);
  const counts = await withAllTenants(pool, 'rivulet reindex --list: rows per index version', (client) =>
    client.query<{ id: number; chunks: string; pending: string; documents: string }>(queries.counts));
  const byId = new Map(counts.rows.map((row) => [row.id, row]));
  return rows.map((row) => {
    const count = byId.get(row.id);
    return { ...row, chunks: Number(count?.chunks ?? 0), pendingChunks: Number(count?.pending ?? 0), documents: Number(count?.documents ?? 0) };
  });
};

export const findIndexVersion = async (pool: Pool, id: number): Promise<IndexVersion | undefined> =>
  (await pool.query<IndexVersion>(queries.byId, [id])).rows[0];

/** The version search reads, if any. One indexed read: the embedding workers poll it. */
export const findActiveIndexVersion = async (pool: Pool): Promise<IndexVersion | undefined> =>
  (await pool.query<IndexVersion>({ name: 'store.activeIndexVersion', text: queries.active })).rows[0];

/**
 * Registers a building version for a model, or takes up the one it has: resumes a building one,
 * brings back a retired or dropped one as building. Refuses (StoreError) the active one
 * (`already_active`) and a dimension other than the one recorded (`dimension_mismatch`). Creates
 * its HNSW index without blocking writes.
 */
export const registerIndexVersion = async (pool: Pool, version: NewIndexVersion): Promise<{ version: IndexVersion; previousState: IndexVersionState | null }> => {
  const registered = await withTransaction(pool, async (client) => {
    const existing = (await client.query<IndexVersion>(`${queries.byModel} FOR UPDATE`, [version.modelId, version.modelVersion])).rows[0];
    if (existing?.state === 'active') throw new StoreError('already_active', `${version.modelId} (${version.modelVersion}) is already the active index version ${existing.id}`);
    if (existing && existing.dimension !== version.dimension) {
      throw new StoreError('dimension_mismatch', `index version ${existing.id} of ${version.modelId} (${version.modelVersion}) has dimension ${existing.dimension}, not ${version.dimension}`);
    }
    const { rows } = await client.query<IndexVersion>(queries.register, [version.modelId, version.modelVersion, version.dimension, JSON.stringify(version.modelSpec)]);
    return { version: rows[0]!, previousState: existing?.state ?? null };
  });
  await pool.query(createVectorIndexSql(registered.version.id, registered.version.dimension, { concurrently: true }));
  return registered;
};

/** How far `candidateId` is from covering what `activeId` shows (one query over chunks, every tenant). */
export const indexCoverage = (pool: Pool, { activeId, candidateId }: { activeId: number; candidateId: number }): Promise<IndexCoverage> =>
  withAllTenants(pool, 'rivulet reindex: compare index versions', async (client) =>
    (await client.query<IndexCoverage>(queries.missing, [activeId, candidateId])).rows[0]!);

/**
 * Makes a building version the active one, if it covers every document version the active one
 * shows (see IndexCoverage); otherwise changes nothing. One transaction: chunk writers are held
 * back for its length (milliseconds), so no chunk completes in between the check and the switch,
 * and every search reads the old version before it commits and the new one after. Then marks
 * completed the documents that completed in the new version while it was building.
 */
export const activateIndexVersion = async (pool: Pool, id: number): Promise<SwitchResult> => {
  const switched = await withAllTenants(pool, 'rivulet reindex: switch the active index version', async (client) => {
    await client.query(queries.holdChunkWriters);
    const state = (await client.query<{ state: IndexVersionState }>(queries.lockForUpdate, [id])).rows[0]?.state;
    if (state !== 'building') throw new StoreError('not_building', `index version ${id} is ${state ?? 'unknown'}, not building`);
    const active = (await client.query<IndexVersion>(queries.active)).rows[0];
    let failedUpdates = 0;
    if (active) {
      const coverage = (await client.query<IndexCoverage>(queries.missing, [active.id, id])).rows[0]!;
      if (coverage.missing > coverage.failedUpdates) return { switched: false as const, ...coverage };
      failedUpdates = coverage.failedUpdates;
    }
    // In this order: the unique index on state = 'active' is checked per statement.
    await client.query(queries.retireActive);
    await client.query(queries.activate, [id]);
    return { switched: true as const, previous: active?.id ?? null, failedUpdates };
  });
  if (!switched.switched) return switched;
  // After the commit, not inside it: every chunk transaction that showed a version in the new
  // index while it was building has committed (the lock above waited for it), and later ones see
  // it active and complete their document themselves. Updating documents under the lock could
  // deadlock with a chunk transaction holding a document row while it waits for the lock.
  const completed = await withAllTenants(pool, 'rivulet reindex: complete documents of the new index version', async (client) =>
    (await client.query<CompletedDocument>(queries.completeShown, [id])).rows);
  return { ...switched, completed };
};

/**
 * Removes an index version that is not active: marks it dropped (chunk writers held back for that
 * transaction, so none adds a row after it), deletes its rows in batches, drops its HNSW index.
 * Refuses the active version (`version_active`) and an unknown one (`unknown_version`). Running it
 * again on a dropped version finishes an interrupted drop.
 */
export const dropIndexVersion = async (pool: Pool, id: number, { batchSize = 5_000, onBatch }: { batchSize?: number; onBatch?: (deleted: { chunks: number; pendingChunks: number }) => void } = {}): Promise<DropResult> => {
  await withAllTenants(pool, 'rivulet reindex --drop: mark dropped', async (client) => {
    await client.query(queries.holdChunkWriters);
    const state = (await client.query<{ state: IndexVersionState }>(queries.lockForUpdate, [id])).rows[0]?.state;
    if (state === undefined) throw new StoreError('unknown_version', `there is no index version ${id}`);
    if (state === 'active') throw new StoreError('version_active', `index version ${id} is the active one: search reads it`);
    await client.query(queries.markDropped, [id]);
  });
  const deleted = { chunks: 0, pendingChunks: 0 };
  for (const [table, query] of [['chunks', queries.deleteChunksBatch], ['pendingChunks', queries.deletePendingBatch]] as const) {
    for (;;) {
      const count = await withAllTenants(pool, 'rivulet reindex --drop: delete rows', async (client) => (await client.query(query, [id, batchSize])).rowCount ?? 0);
      if (count === 0) break;
      deleted[table] += count;
      onBatch?.({ ...deleted });
    }
  }
  await pool.query(dropVectorIndexSql(id));
  return { version: (await findIndexVersion(pool, id))!, ...deleted };
};

export { vectorIndexName, createVectorIndexSql } from './index-version-queries.js';

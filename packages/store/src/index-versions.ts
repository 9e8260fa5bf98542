// Index versions (migrations 0001, 0011; docs/decisions/0014-reindex.md): one embedding model's
// vector space each. `rivulet reindex` registers one, switches search to it atomically and drops
// an old one; the embedding workers read the active one's model_spec. The indexer's per-chunk
// flow lives in consumers/indexer (chunk-store.ts).
import { completeShownDocuments } from './document-status.js';
import { StoreError } from './store-error.js';
import { createVectorIndexSql, dropVectorIndexSql, indexVersionQueries as queries, vectorIndexName } from './index-version-queries.js';
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

/** A document version named in a refusal or a check (failed updates, documents not carried). */
export interface DocumentVersionRef {
  tenantId: string;
  collection: string;
  documentId: string;
  documentVersion: string;
}

export type SwitchResult =
  /** Not caught up: `missing - failedUpdates` document versions to go. */
  | ({ switched: false; blocked?: undefined } & IndexCoverage)
  /** Caught up but for documents whose latest upload failed: refused without allowMissing (up to 20 listed). */
  | ({ switched: false; blocked: 'failed_updates'; documents: DocumentVersionRef[] } & IndexCoverage)
  | { switched: true; previous: number | null; failedUpdates: number };

/** How long the coverage check and the switch transaction may take (a statement_timeout of their own); see 0014. */
export const SWITCH_TIMEOUT_MS = 120_000;

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
export const registerIndexVersion = async (
  pool: Pool, version: NewIndexVersion, { allowActive = false }: { allowActive?: boolean } = {},
): Promise<{ version: IndexVersion; previousState: IndexVersionState | null }> => {
  const registered = await withTransaction(pool, async (client) => {
    const existing = (await client.query<IndexVersion>(`${queries.byModel} FOR UPDATE`, [version.modelId, version.modelVersion])).rows[0];
    if (existing?.state === 'active') {
      if (allowActive) return { version: existing, previousState: 'active' as const };
      throw new StoreError('already_active', `${version.modelId} (${version.modelVersion}) is already the active index version ${existing.id}`);
    }
    if (existing && existing.dimension !== version.dimension) {
      throw new StoreError('dimension_mismatch', `index version ${existing.id} of ${version.modelId} (${version.modelVersion}) has dimension ${existing.dimension}, not ${version.dimension}`);
    }
    const { rows } = await client.query<IndexVersion>(queries.register, [version.modelId, version.modelVersion, version.dimension, JSON.stringify(version.modelSpec)]);
    return { version: rows[0]!, previousState: existing?.state ?? null };
  });
  await ensureVectorIndex(pool, registered.version.id, registered.version.dimension);
  return registered;
};

const vectorIndexValid = async (client: { query: Pool['query'] }, id: number): Promise<boolean | undefined> =>
  (await client.query<{ valid: boolean }>(queries.vectorIndexValid, [vectorIndexName(id)])).rows[0]?.valid;

/**
 * Builds an index version's HNSW index CONCURRENTLY (writes to chunks go on) on a connection of
 * its own with no statement_timeout (a large table takes longer than the pool's 30 s), then checks
 * pg_index.indisvalid: an interrupted or failed concurrent build leaves an INVALID index that
 * `IF NOT EXISTS` would keep for ever, so it is dropped (CONCURRENTLY) and built again once.
 * Throws StoreError `index_invalid` if it is still not valid.
 */
export const ensureVectorIndex = async (pool: Pool, id: number, dimension: number): Promise<void> => {
  const client = await pool.connect();
  try {
    await client.query('SET statement_timeout = 0');
    for (let attempt = 1; ; attempt += 1) {
      await client.query(createVectorIndexSql(id, dimension, { concurrently: true }));
      if ((await vectorIndexValid(client, id)) === true) return;
      if (attempt >= 2) throw new StoreError('index_invalid', `the HNSW index ${vectorIndexName(id)} of index version ${id} is still invalid after a rebuild; see the PostgreSQL log`);
      await client.query(dropVectorIndexSql(id));
    }
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
};

/** How far `candidateId` is from covering what `activeId` shows (one query over chunks, every tenant). */
export const indexCoverage = (pool: Pool, { activeId, candidateId, timeoutMs = SWITCH_TIMEOUT_MS }: { activeId: number; candidateId: number; timeoutMs?: number }): Promise<IndexCoverage> =>
  withAllTenants(pool, 'rivulet reindex: compare index versions', async (client) => {
    await client.query(`SET LOCAL statement_timeout = ${checkedTimeout(timeoutMs)}`);
    return (await client.query<IndexCoverage>(queries.missing, [activeId, candidateId])).rows[0]!;
  });

const checkedTimeout = (timeoutMs: number): number => {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  return timeoutMs;
};

export interface ActivateOptions {
  /** Switch although documents whose latest upload failed are not carried (their previous version leaves search). */
  allowMissing?: boolean;
  /** statement_timeout of the switch transaction (the coverage query runs in it). Default SWITCH_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * Makes a building version the active one, if it covers every document version the active one
 * shows (see IndexCoverage), its HNSW index is valid (StoreError `index_invalid` otherwise), and
 * either no document whose latest upload failed would lose its shown version or `allowMissing`;
 * otherwise changes nothing. One transaction with a statement_timeout of `timeoutMs`: chunk
 * writers are held back for its length, so no chunk completes in between the check and the
 * switch, and every search reads the old version before it commits and the new one after.
 * Completing documents is a separate, idempotent step: completeSwitchedDocuments.
 */
export const activateIndexVersion = async (pool: Pool, id: number, { allowMissing = false, timeoutMs = SWITCH_TIMEOUT_MS }: ActivateOptions = {}): Promise<SwitchResult> =>
  withAllTenants(pool, 'rivulet reindex: switch the active index version', async (client): Promise<SwitchResult> => {
    await client.query(`SET LOCAL statement_timeout = ${checkedTimeout(timeoutMs)}`);
    await client.query(queries.holdChunkWriters);
    const version = (await client.query<{ state: IndexVersionState }>(queries.lockForUpdate, [id])).rows[0];
    if (version?.state !== 'building') throw new StoreError('not_building', `index version ${id} is ${version?.state ?? 'unknown'}, not building`);
    const valid = await vectorIndexValid(client, id);
    if (valid !== true) {
      throw new StoreError('index_invalid', `the HNSW index ${vectorIndexName(id)} of index version ${id} is ${valid === undefined ? 'missing' : 'invalid'}; run the same rivulet reindex again to rebuild it`);
    }
    const active = (await client.query<IndexVersion>(queries.active)).rows[0];
    let failedUpdates = 0;
    if (active) {
      const coverage = (await client.query<IndexCoverage>(queries.missing, [active.id, id])).rows[0]!;
      if (coverage.missing > coverage.failedUpdates) return { switched: false, ...coverage };
      if (coverage.failedUpdates > 0 && !allowMissing) {
        const documents = (await client.query<DocumentVersionRef>(queries.failedUpdateDocuments, [active.id, id, 20])).rows;
        return { switched: false, blocked: 'failed_updates', documents, ...coverage };
      }
      failedUpdates = coverage.failedUpdates;
    }
    // In this order: the unique index on state = 'active' is checked per statement.
    await client.query(queries.retireActive);
    await client.query(queries.activate, [id]);
    return { switched: true, previous: active?.id ?? null, failedUpdates };
  });

/**
 * After the switch (and again on a re-run for the active version): marks completed the documents
 * that completed in the new version while it was building, and returns every document completed
 * since the switch (to announce). Idempotent. After the commit of the switch, not inside it: every
 * chunk transaction that showed a version in the new index while it was building has committed
 * (the switch's lock waited for it), and later ones see it active and complete their document
 * themselves. Updating documents under the lock could deadlock with a chunk transaction holding a
 * document row while it waits for the lock.
 */
export const completeSwitchedDocuments = async (pool: Pool, id: number): Promise<CompletedDocument[]> =>
  withAllTenants(pool, 'rivulet reindex: complete documents of the new index version', async (client) => {
    await completeShownDocuments(client, id);
    return (await client.query<CompletedDocument>(queries.completedSinceSwitch, [id])).rows;
  });

/** The version retired last, if any. */
export const findLastRetiredIndexVersion = async (pool: Pool): Promise<IndexVersion | undefined> =>
  (await pool.query<IndexVersion>(queries.lastRetired)).rows[0];

/**
 * Documents whose current version `retiredId` shows and `activeId` does not (up to `limit`, with
 * the total): what the post-switch check of `rivulet reindex` refuses to leave behind.
 */
export const documentsNotCarried = async (
  pool: Pool, { retiredId, activeId, allowMissing = false, limit = 20 }: { retiredId: number; activeId: number; allowMissing?: boolean; limit?: number },
): Promise<{ total: number; documents: DocumentVersionRef[] }> =>
  withAllTenants(pool, 'rivulet reindex: check the new version carries the retired one', async (client) => {
    await client.query(`SET LOCAL statement_timeout = ${SWITCH_TIMEOUT_MS}`);
    const { rows } = await client.query<DocumentVersionRef & { total: number }>(queries.notCarried, [retiredId, activeId, allowMissing, limit]);
    return { total: rows[0]?.total ?? 0, documents: rows.map(({ total: _total, ...document }) => document) };
  });

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

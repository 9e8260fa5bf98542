import { completeDocumentVersion, markDocumentDeleted, markVersionProcessing, rejectDocumentVersion, withTenant, type Pool } from '@rivulet/store';
import { queries } from './queries.js';

export interface DocumentReference {
  tenantId: string;
  collection: string;
  documentId: string;
}

export interface DocumentState {
  /** The latest version the ingress accepted; null after a delete. */
  version: string | null;
  /** The version search shows. */
  currentVersion: string | null;
  status: string;
  /** Chunks of the indexed version. */
  chunkCount: number;
  /** Chunk indexes 0 … chunkKeys-1 may hold a record on the chunk topics (what a shorter version or a delete must tombstone). */
  chunkKeys: number;
}

/** The ingestion worker's port to PostgreSQL. Status changes are the store's transitions, fenced by version. */
export interface DocumentStore {
  state(reference: DocumentReference): Promise<DocumentState | undefined>;
  blob(contentHash: string): Promise<Buffer | undefined>;
  /** The version is being chunked into `chunkKeys` chunks: records that their keys are about to hold records. */
  markProcessing(reference: DocumentReference, version: string, chunkKeys: number): Promise<void>;
  markFailed(reference: DocumentReference, version: string, error: { code: string; message: string }): Promise<void>;
  /** The version is already the indexed one, with `chunkCount` chunks: back to completed. */
  markUnchanged(reference: DocumentReference, version: string, chunkCount: number): Promise<void>;
  /**
   * Removes the document's chunks if it is still deleted (no upload came after), and says how many
   * chunk keys it had (to tombstone); undefined when it is not deleted.
   */
  delete(reference: DocumentReference): Promise<{ chunkKeys: number } | undefined>;
  /** Records that only chunk keys 0 … chunkKeys-1 may hold records: the ones above are tombstoned. */
  recordChunkKeys(reference: DocumentReference, chunkKeys: number): Promise<void>;
}

const key = ({ tenantId, collection, documentId }: DocumentReference): string[] => [tenantId, collection, documentId];

/** Every statement on a document runs in its tenant's transaction (row-level security). */
export const createDocumentStore = (pool: Pool): DocumentStore => ({
  async state(reference) {
    return (await withTenant(pool, reference.tenantId, (client) => client.query<DocumentState>(queries.documentState, key(reference)))).rows[0];
  },
  // document_blobs is shared across tenants (content-addressed): no tenant scope.
  async blob(contentHash) {
    return (await pool.query<{ content: Buffer }>(queries.blob, [contentHash])).rows[0]?.content;
  },
  async markProcessing(reference, version, chunkKeys) {
    await withTenant(pool, reference.tenantId, async (client) => {
      await markVersionProcessing(client, reference, version);
      // Whatever the status (a later upload may have come in): these chunks are published next.
      await client.query(queries.recordChunkKeys, [...key(reference), chunkKeys]);
    });
  },
  async markFailed(reference, version, error) {
    await withTenant(pool, reference.tenantId, (client) => rejectDocumentVersion(client, reference, version, error));
  },
  async markUnchanged(reference, version, chunkCount) {
    await withTenant(pool, reference.tenantId, (client) => completeDocumentVersion(client, reference, version, chunkCount));
  },
  delete(reference) {
    return withTenant(pool, reference.tenantId, async (client) => {
      const row = (await client.query<{ version: string | null; chunkKeys: number }>(queries.lockDocument, key(reference))).rows[0];
      if (!row || row.version !== null) return undefined;
      await client.query(queries.deleteChunks, key(reference));
      await client.query(queries.deletePendingChunks, key(reference));
      await markDocumentDeleted(client, reference);
      return { chunkKeys: row.chunkKeys };
    });
  },
  async recordChunkKeys(reference, chunkKeys) {
    await withTenant(pool, reference.tenantId, (client) => client.query(queries.recordChunkKeys, [...key(reference), chunkKeys]));
  },
});

import { withTenant, type Pool } from '@rivulet/store';
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
  chunkCount: number;
}

/** The ingestion worker's port to PostgreSQL. Status changes are fenced by version. */
export interface DocumentStore {
  state(reference: DocumentReference): Promise<DocumentState | undefined>;
  blob(contentHash: string): Promise<Buffer | undefined>;
  markProcessing(reference: DocumentReference, version: string): Promise<void>;
  markFailed(reference: DocumentReference, version: string, error: { code: string; message: string }): Promise<void>;
  /** The version is already the indexed one: back to completed. */
  markUnchanged(reference: DocumentReference, version: string): Promise<void>;
  /** Removes the document's chunks if it is still deleted (no upload came after); true when it did. */
  delete(reference: DocumentReference): Promise<boolean>;
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
  async markProcessing(reference, version) {
    await withTenant(pool, reference.tenantId, (client) => client.query(queries.markProcessing, [...key(reference), version]));
  },
  async markFailed(reference, version, error) {
    await withTenant(pool, reference.tenantId, (client) => client.query(queries.markFailed, [...key(reference), version, error.code, error.message.slice(0, 2000)]));
  },
  async markUnchanged(reference, version) {
    await withTenant(pool, reference.tenantId, (client) => client.query(queries.markUnchanged, [...key(reference), version]));
  },
  delete(reference) {
    return withTenant(pool, reference.tenantId, async (client) => {
      const row = (await client.query<{ version: string | null }>(queries.lockDocument, key(reference))).rows[0];
      if (!row || row.version !== null) return false;
      await client.query(queries.deleteChunks, key(reference));
      await client.query(queries.deletePendingChunks, key(reference));
      await client.query(queries.markDeleted, key(reference));
      return true;
    });
  },
});

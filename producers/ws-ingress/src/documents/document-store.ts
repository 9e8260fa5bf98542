// The ingress's view of the documents table: a port with a PostgreSQL adapter.
import { markVersionAccepted, recordPendingVersion, withTenant, type PendingDocumentVersion, type Pool } from '@rivulet/store';
import type { DocumentReference } from '@rivulet/schemas';
import { CLEAR_VERSION, INSERT_BLOB, RESTORE_VERSION, SELECT_DOCUMENT } from './document-queries.js';

/** What GET /v1/documents/{id} reports. */
export interface DocumentState {
  status: string;
  version: string | null;
  chunks: number;
  error: { code: string; message: string } | undefined;
}

/** A version about to be published: the store's pending row, plus the bytes when they go to the blob store rather than inline in the event. */
export interface PendingVersion extends Omit<PendingDocumentVersion, 'document'> {
  reference: DocumentReference;
  blob: Buffer | undefined;
}

export interface DocumentStore {
  /** Writes the blob (if any) and the pending row in one transaction. */
  recordPending(pending: PendingVersion): Promise<void>;
  /** Pending to `accepted`; false when something else changed the row meanwhile (left as it is). */
  markAccepted(pending: PendingVersion): Promise<boolean>;
  find(reference: DocumentReference): Promise<DocumentState | undefined>;
  /** Clears the version for a delete. Undefined when the document is unknown; else the version it had. */
  clearVersion(reference: DocumentReference): Promise<{ previousVersion: string | null } | undefined>;
  restoreVersion(reference: DocumentReference, version: string): Promise<void>;
}

/** The row the store's status transitions write for a pending version (the blob goes apart). */
const stored = ({ reference, blob: _blob, ...row }: PendingVersion): PendingDocumentVersion => ({ document: reference, ...row });

const keyOf = ({ tenantId, collection, documentId }: DocumentReference): [string, string, string] => [tenantId, collection, documentId];

interface DocumentRow {
  status: string;
  version: string | null;
  chunk_count: number;
  error_code: string | null;
  error_message: string | null;
}

/** Every statement runs in the document's tenant's transaction (row-level security, decision 0011). */
export const createDocumentStore = (pool: Pool): DocumentStore => ({
  recordPending: (pending) => withTenant(pool, pending.reference.tenantId, async (client) => {
    if (pending.blob) await client.query(INSERT_BLOB, [pending.version, pending.blob, pending.blob.length]);
    await recordPendingVersion(client, stored(pending));
  }),
  markAccepted: (pending) => withTenant(pool, pending.reference.tenantId, (client) => markVersionAccepted(client, stored(pending))),
  find: async (reference) => {
    const { rows } = await withTenant(pool, reference.tenantId, (client) => client.query<DocumentRow>(SELECT_DOCUMENT, keyOf(reference)));
    const row = rows[0];
    if (!row) return undefined;
    return {
      status: row.status,
      version: row.version,
      chunks: row.chunk_count,
      error: row.error_code === null ? undefined : { code: row.error_code, message: row.error_message ?? '' },
    };
  },
  clearVersion: async (reference) => {
    const { rows } = await withTenant(pool, reference.tenantId, (client) => client.query<{ previous_version: string | null }>(CLEAR_VERSION, keyOf(reference)));
    const row = rows[0];
    return row ? { previousVersion: row.previous_version } : undefined;
  },
  restoreVersion: async (reference, version) => {
    await withTenant(pool, reference.tenantId, (client) => client.query(RESTORE_VERSION, [...keyOf(reference), version]));
  },
});

// The documents status state machine (migrations/0002_documents.sql: accepted, processing,
// completed, failed, deleted), its one owner: every transition is a named function here, one
// statement with its guard. The ingress records a version and accepts it, the ingestion worker
// starts, rejects or deletes it, the indexer adopts and completes it; a dead letter or the sweep
// fails it when nothing in the pipeline will (docs/operations.md, "Documents that never finish").
//
//   (new) --recordPendingVersion--> failed "not queued" --markVersionAccepted--> accepted
//   accepted | processing | failed --markVersionProcessing--> processing
//   accepted | processing | failed --rejectDocumentVersion--> failed
//   (latest version) --completeDocumentVersion / completeShownDocuments--> completed
//   accepted | processing --failDocumentVersion / failStaleDocuments--> failed
//   (version cleared by a delete) --markDocumentDeleted--> deleted
import type { Pool, PoolClient } from './pool.js';
import { withAllTenants, withTenant } from './tenant-scope.js';

export interface DocumentRef {
  tenantId: string;
  collection: string;
  documentId: string;
}

/** A reason in the client contract's shape: stored in error_code / error_message. */
export interface DocumentFailure {
  code: string;
  message: string;
}

/** A document this module marked failed: the version it failed (the latest accepted one then). */
export interface FailedDocument extends DocumentRef {
  version: string;
}

/** The error code of a document failed because a step of its path dead-lettered one of its events. */
export const PROCESSING_FAILED = 'processing_failed';
/** The error code of a document failed by the sweep: it made no progress for too long. */
export const PROCESSING_TIMEOUT = 'processing_timeout';

/** error_message is shown to clients; the dead letter's own message is capped at 4000 characters. */
const MAX_MESSAGE = 2000;

/**
 * Fenced by version: only the version that failed, and only while it is still the latest accepted
 * one, so a late failure of an older version never touches a newer one (nor its success). An
 * already failed row with the same code matches too: a redelivered dead letter (the status event
 * of the first delivery may not have been published) answers again instead of going quiet.
 */
const FAIL_VERSION = `
  UPDATE documents SET status = 'failed', error_code = $5, error_message = $6, updated_at = now()
   WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version = $4
     AND (status IN ('accepted', 'processing') OR (status = 'failed' AND error_code = $5))
  RETURNING 1`;

/**
 * `updated_at` is written by every step that moves a document on (the ingress's acceptance, the
 * ingestion worker's chunking); a row left accepted or processing since before $1 is stuck.
 * SKIP LOCKED: rows another sweep (or a worker's transaction) holds are left to the next round.
 */
const FAIL_STALE = `
  WITH stale AS (
    SELECT tenant_id, collection, document_id FROM documents
     WHERE status IN ('accepted', 'processing') AND updated_at < $1
     ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
  )
  UPDATE documents d SET status = 'failed', error_code = $3, error_message = $4, updated_at = now()
    FROM stale s WHERE d.tenant_id = s.tenant_id AND d.collection = s.collection AND d.document_id = s.document_id
  RETURNING d.tenant_id AS "tenantId", d.collection, d.document_id AS "documentId", d.version`;

const SWEEP_REASON = 'document sweep: fail documents left processing past DOCUMENT_PROCESSING_TIMEOUT';

/**
 * Marks version `version` of a document failed with `failure`, if that version is still the
 * latest accepted one and not finished (accepted or processing). Resolves true when the document
 * now says so (a status event is due), false when the failure is stale: the version was replaced,
 * deleted, completed or failed for another reason.
 */
export const failDocumentVersion = async (pool: Pool, document: DocumentRef, version: string, failure: DocumentFailure): Promise<boolean> => {
  const { tenantId, collection, documentId } = document;
  const { rowCount } = await withTenant(pool, tenantId, (client) =>
    client.query(FAIL_VERSION, [tenantId, collection, documentId, version, failure.code, failure.message.slice(0, MAX_MESSAGE)]));
  return (rowCount ?? 0) > 0;
};

/** A version the ingress is about to publish (its row is written before the event). */
export interface PendingDocumentVersion {
  document: DocumentRef;
  version: string;
  title: string | null;
  fileName: string | null;
  mimeType: string;
  sizeBytes: number;
  metadata: Record<string, string>;
  /** The row's error message until the event is acknowledged; unique to the request. */
  pendingMessage: string;
}

/**
 * The pipeline's transitions, run on the caller's connection inside its tenant's transaction
 * (withTenant), beside the caller's other statements. Every statement is scoped by
 * (tenant_id, collection, document_id) and, but for a delete, fenced by version: a step of an
 * older version never moves a newer one. Named: prepared once per connection (the indexer runs
 * its two once per chunk).
 */
const TRANSITIONS = {
  /**
   * A new version, written before its event is published: status `failed` with a message unique to
   * the request, turned into `accepted` once Kafka acknowledged the event (docs/decisions/0006-ingress.md).
   * current_version and chunk_count stay as they are: they describe what is searchable now.
   */
  recordPending: `
    INSERT INTO documents (tenant_id, collection, document_id, version, status, title, file_name, mime_type, size_bytes, metadata, error_code, error_message)
    VALUES ($1, $2, $3, $4, 'failed', $5, $6, $7, $8, $9, 'internal', $10)
    ON CONFLICT (tenant_id, collection, document_id) DO UPDATE SET
      version = EXCLUDED.version,
      status = EXCLUDED.status,
      title = EXCLUDED.title,
      file_name = EXCLUDED.file_name,
      mime_type = EXCLUDED.mime_type,
      size_bytes = EXCLUDED.size_bytes,
      metadata = EXCLUDED.metadata,
      error_code = EXCLUDED.error_code,
      error_message = EXCLUDED.error_message,
      updated_at = now()`,
  /** Only the request that wrote the pending row may flip it; a newer version or a pipeline status wins. */
  accept: `
    UPDATE documents SET status = 'accepted', error_code = NULL, error_message = NULL, updated_at = now()
     WHERE tenant_id = $1 AND collection = $2 AND document_id = $3
       AND version = $4 AND status = 'failed' AND error_message = $5`,
  // 'failed' is included in the next two: the ingress writes the row as failed ("not queued") before
  // it publishes and flips it to accepted after, so the ingestion worker can see the row before the flip.
  process: `
    UPDATE documents SET status = 'processing', error_code = NULL, error_message = NULL, updated_at = now()
     WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version = $4 AND status IN ('accepted', 'processing', 'failed')`,
  reject: `
    UPDATE documents SET status = 'failed', error_code = $5, error_message = $6, updated_at = now()
     WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version = $4 AND status IN ('accepted', 'processing', 'failed')`,
  /** A chunk whose document the database never saw (a topic replayed into an empty database). */
  adopt: `
    INSERT INTO documents (tenant_id, collection, document_id, version, status, title)
    VALUES ($1, $2, $3, $4, 'processing', $5)
    ON CONFLICT (tenant_id, collection, document_id) DO NOTHING`,
  /**
   * The version is searchable: it becomes the current one, with its chunk count. Any status: a
   * shown version is completed even after the sweep gave up on it, and a redelivery completes again.
   */
  complete: `
    UPDATE documents SET current_version = $4, status = 'completed', chunk_count = $5, error_code = NULL, error_message = NULL, updated_at = now()
     WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version = $4`,
  /**
   * After the switch, documents whose latest version the index version $1 shows but whose row does not
   * say completed (they completed in the new index first, while it was building).
   */
  completeShown: `
    UPDATE documents d
       SET current_version = d.version, status = 'completed', chunk_count = shown.chunk_count,
           error_code = NULL, error_message = NULL, updated_at = now()
      FROM (SELECT DISTINCT tenant_id, collection, document_id, document_version, chunk_count FROM chunks WHERE index_version = $1) AS shown
     WHERE d.tenant_id = shown.tenant_id AND d.collection = shown.collection AND d.document_id = shown.document_id
       AND d.version = shown.document_version AND (d.status <> 'completed' OR d.current_version IS DISTINCT FROM d.version)
    RETURNING d.tenant_id AS "tenantId", d.collection, d.document_id AS "documentId", d.version AS "documentVersion", d.chunk_count AS "chunkCount"`,
  /** Only once a delete cleared the version (an upload after the delete wins). */
  delete: `
    UPDATE documents SET status = 'deleted', current_version = NULL, chunk_count = 0, error_code = NULL, error_message = NULL, updated_at = now()
     WHERE tenant_id = $1 AND collection = $2 AND document_id = $3 AND version IS NULL`,
} as const;

const transition = async (client: PoolClient, name: keyof typeof TRANSITIONS, document: DocumentRef, values: unknown[]): Promise<boolean> => {
  const { rowCount } = await client.query({ name: `documents.${name}`, text: TRANSITIONS[name], values: [document.tenantId, document.collection, document.documentId, ...values] });
  return (rowCount ?? 0) > 0;
};

/** The ingress: writes the version's row as failed "not queued" (pendingMessage) until its event is acknowledged. */
export const recordPendingVersion = async (client: PoolClient, pending: PendingDocumentVersion): Promise<void> => {
  await transition(client, 'recordPending', pending.document, [
    pending.version, pending.title, pending.fileName, pending.mimeType, pending.sizeBytes, JSON.stringify(pending.metadata), pending.pendingMessage,
  ]);
};

/** The ingress, once Kafka acknowledged: pending to `accepted`; false when something else changed the row meanwhile (left as it is). */
export const markVersionAccepted = (client: PoolClient, pending: PendingDocumentVersion): Promise<boolean> =>
  transition(client, 'accept', pending.document, [pending.version, pending.pendingMessage]);

/** The ingestion worker starts chunking the latest version. */
export const markVersionProcessing = async (client: PoolClient, document: DocumentRef, version: string): Promise<void> => {
  await transition(client, 'process', document, [version]);
};

/** The ingestion worker cannot index the latest version (unreadable, empty): failed with its reason. */
export const rejectDocumentVersion = async (client: PoolClient, document: DocumentRef, version: string, failure: DocumentFailure): Promise<void> => {
  await transition(client, 'reject', document, [version, failure.code, failure.message.slice(0, MAX_MESSAGE)]);
};

/** The indexer adopts a document it has a chunk of but no row for, as processing; false when the row exists. */
export const adoptDocumentVersion = (client: PoolClient, document: DocumentRef, version: string, title: string | null): Promise<boolean> =>
  transition(client, 'adopt', document, [version, title]);

/**
 * The latest version is searchable with `chunkCount` chunks: completed. The one writer of
 * `completed` in the pipeline: the indexer, when the active index shows every chunk of the version,
 * and the ingestion worker for an upload of the version the index already shows.
 */
export const completeDocumentVersion = (client: PoolClient, document: DocumentRef, version: string, chunkCount: number): Promise<boolean> =>
  transition(client, 'complete', document, [version, chunkCount]);

/**
 * `rivulet reindex`, after a switch to index version `indexVersionId`: completes the documents
 * whose latest version it shows (they completed there while it was building). On the caller's
 * transaction with every tenant visible (withAllTenants); not fenced by tenant, one statement for all.
 */
export const completeShownDocuments = async (client: PoolClient, indexVersionId: number): Promise<void> => {
  await client.query(TRANSITIONS.completeShown, [indexVersionId]);
};

/** The ingestion worker, after removing the chunks of a document whose version a delete cleared. */
export const markDocumentDeleted = (client: PoolClient, document: DocumentRef): Promise<boolean> =>
  transition(client, 'delete', document, []);

export interface StaleDocumentsOptions {
  /** Documents accepted or processing whose last step (updated_at) is before this are failed. */
  olderThan: Date;
  failure: DocumentFailure;
  /** Documents per transaction (default 100). */
  batchSize?: number;
  /**
   * Called with each batch inside its transaction, before it commits (publish their status
   * events here): when it throws, the batch rolls back and stays for the next round, so no
   * document is failed without its event. Another instance's sweep skips the rows meanwhile.
   */
  onFailed: (documents: readonly FailedDocument[]) => Promise<void>;
  /** Stops between two batches (shutdown). */
  signal?: AbortSignal;
}

/**
 * Fails every tenant's documents left accepted or processing since before `olderThan`, in
 * batches. Safe to run on several instances at once: each row is taken by one sweep
 * (FOR UPDATE SKIP LOCKED) and its status fence stops a second one. Resolves how many it failed.
 */
export const failStaleDocuments = async (pool: Pool, { olderThan, failure, batchSize = 100, onFailed, signal }: StaleDocumentsOptions): Promise<number> => {
  if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) throw new TypeError('olderThan must be a valid Date');
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) throw new TypeError('batchSize must be a positive whole number');
  let failed = 0;
  while (!signal?.aborted) {
    const batch = await withAllTenants(pool, SWEEP_REASON, async (client) => {
      const { rows } = await client.query<FailedDocument>(FAIL_STALE, [olderThan, batchSize, failure.code, failure.message.slice(0, MAX_MESSAGE)]);
      if (rows.length > 0) await onFailed(rows);
      return rows.length;
    });
    failed += batch;
    if (batch < batchSize) break;
  }
  return failed;
};

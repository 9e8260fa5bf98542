// The document status transitions that end a document's processing when nothing in the pipeline
// will: a dead letter on its path, or no progress for too long. The first of the status state
// machine's transitions to live here; the others (ingress, ingestion, indexer) are to follow
// (docs/operations.md, "Documents that never finish").
import type { Pool } from './pool.js';
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

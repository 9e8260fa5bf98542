// Accepting, replacing and deleting documents: the one path HTTP and WebSocket share.
import { createHash, randomUUID } from 'node:crypto';
import { traceIdOf } from '@rivulet/kafka';
import type { Logger, Tracer } from '@rivulet/observability';
import { CONTENT_HASH_PREFIX, MAX_INLINE_CONTENT_BYTES, type DocumentReference } from '@rivulet/schemas';
import type { ApiKeyPrincipal } from '../auth.js';
import { IngressError } from '../errors.js';
import { deletePayload, documentReceived, type DocumentPublisher } from './document-events.js';
import type { DocumentSubmission } from './document-input.js';
import type { DocumentState, DocumentStore, PendingVersion } from './document-store.js';
import { startRequestTrace, type RequestTrace } from '../request-trace.js';

export interface DocumentServiceOptions {
  store: DocumentStore;
  publisher: DocumentPublisher;
  /** INGEST_MAX_DOCUMENT_BYTES. */
  maxDocumentBytes: number;
  /** Content above this goes to the blob store and travels as contentUri. Default MAX_INLINE_CONTENT_BYTES. */
  maxInlineBytes?: number;
  logger: Logger;
  /** Starts each upload's and delete's root span (Service.tracer); absent when tracing is off. */
  tracer?: Tracer | undefined;
}

/** An upsert checked and hashed, not yet stored: lets a caller watch the version before it is published. */
export interface PreparedUpsert {
  principal: ApiKeyPrincipal;
  requestId: string;
  reference: DocumentReference;
  version: string;
  submission: DocumentSubmission;
}

export interface DocumentService {
  prepareUpsert(principal: ApiKeyPrincipal, submission: DocumentSubmission, requestId: string): PreparedUpsert;
  /** Stores and publishes; resolves once Kafka acknowledged the event. */
  upsert(prepared: PreparedUpsert): Promise<void>;
  /** Publishes a delete; `not_found` when the tenant has no such document. */
  remove(principal: ApiKeyPrincipal, reference: DocumentReference, requestId: string): Promise<void>;
  status(reference: DocumentReference): Promise<DocumentState | undefined>;
}

/** Runs one request under its root span: ended `accepted` once the event is out, or with the error's code. */
const traced = async (trace: RequestTrace, run: (trace: RequestTrace) => Promise<void>): Promise<void> => {
  try {
    await run(trace);
    trace.end('accepted');
  } catch (error) {
    trace.end(error instanceof IngressError ? error.code : 'internal', error instanceof Error ? error.message : undefined);
    throw error;
  }
};

const storeUnavailable = (cause: unknown): IngressError =>
  new IngressError('internal', 'The document store is unavailable; try again shortly.', { retriable: true, httpStatus: 503, cause });

const notQueued = (cause: unknown): IngressError =>
  new IngressError('internal', 'The document could not be queued for indexing (Kafka did not acknowledge it); send it again.', { retriable: true, httpStatus: 503, cause });

export const createDocumentService = ({
  store, publisher, maxDocumentBytes, maxInlineBytes = MAX_INLINE_CONTENT_BYTES, logger, tracer,
}: DocumentServiceOptions): DocumentService => {
  if (!(maxDocumentBytes > 0)) throw new RangeError('createDocumentService(): maxDocumentBytes must be positive');
  const log = logger.child({ component: 'documents' });

  const prepareUpsert = (principal: ApiKeyPrincipal, submission: DocumentSubmission, requestId: string): PreparedUpsert => {
    if (submission.content.length > maxDocumentBytes) {
      throw new IngressError('payload_too_large', `The document has ${submission.content.length} bytes; this server accepts at most ${maxDocumentBytes}.`);
    }
    if (submission.content.length === 0) throw new IngressError('invalid_request', 'The document is empty; send its content.');
    const version = `${CONTENT_HASH_PREFIX}${createHash('sha256').update(submission.content).digest('hex')}`;
    const reference = { tenantId: principal.tenantId, collection: submission.collection, documentId: submission.documentId ?? randomUUID() };
    return { principal, requestId, reference, version, submission };
  };

  const upsert = (prepared: PreparedUpsert): Promise<void> =>
    traced(startRequestTrace(tracer, { kind: 'ingest', requestId: prepared.requestId, tenantId: prepared.principal.tenantId }), (trace) => publishUpsert(prepared, trace));

  const publishUpsert = async ({ principal, requestId, reference, version, submission }: PreparedUpsert, trace: RequestTrace): Promise<void> => {
    const inline = submission.content.length <= maxInlineBytes;
    const pending: PendingVersion = {
      reference, version, title: submission.title, fileName: submission.fileName, mimeType: submission.mimeType,
      sizeBytes: submission.content.length, metadata: submission.metadata, blob: inline ? undefined : submission.content,
      pendingMessage: `The document was not queued for indexing: the ingress failed or stopped while queuing it (request ${requestId}). Send it again.`,
    };
    // Row first, event second: workers compare each event's version with the row, so the row must
    // name the version before any worker can read the event (docs/decisions/0006-ingress.md).
    await store.recordPending(pending).catch((error: unknown) => {
      throw storeUnavailable(error);
    });
    const event = documentReceived({ tenantId: principal.tenantId, requestId, apiKeyId: principal.keyId }, {
      documentId: reference.documentId, collection: reference.collection, operation: 'upsert',
      title: submission.title, fileName: submission.fileName, mimeType: submission.mimeType,
      content: inline ? submission.content : null, contentUri: inline ? null : `blob:${version}`,
      contentHash: version, sizeBytes: submission.content.length, metadata: submission.metadata,
    });
    await publisher.publish(event, trace.traceparent).catch((error: unknown) => {
      log.error({ requestId, traceId: traceIdOf(trace.traceparent), error, documentId: reference.documentId }, 'document-received not acknowledged; the row stays failed');
      throw notQueued(error);
    });
    // The event is out: a failure here only leaves the row saying failed until the pipeline's first status.
    await store.markAccepted(pending).catch((error: unknown) => {
      log.warn({ requestId, error, documentId: reference.documentId }, 'could not mark the document accepted; the pipeline status will correct it');
    });
    log.info({ requestId, traceId: traceIdOf(trace.traceparent), tenantId: reference.tenantId, collection: reference.collection, documentId: reference.documentId, version, sizeBytes: submission.content.length, inline }, 'document accepted');
  };

  const remove = (principal: ApiKeyPrincipal, reference: DocumentReference, requestId: string): Promise<void> =>
    traced(startRequestTrace(tracer, { kind: 'delete', requestId, tenantId: principal.tenantId }), (trace) => publishDelete(principal, reference, requestId, trace));

  const publishDelete = async (principal: ApiKeyPrincipal, reference: DocumentReference, requestId: string, trace: RequestTrace): Promise<void> => {
    const cleared = await store.clearVersion(reference).catch((error: unknown) => {
      throw storeUnavailable(error);
    });
    if (!cleared) throw new IngressError('not_found', `No document "${reference.documentId}" in collection "${reference.collection}".`);
    const event = documentReceived({ tenantId: principal.tenantId, requestId, apiKeyId: principal.keyId }, deletePayload(reference.collection, reference.documentId));
    try {
      await publisher.publish(event, trace.traceparent);
    } catch (error) {
      log.error({ requestId, traceId: traceIdOf(trace.traceparent), error, documentId: reference.documentId }, 'delete not acknowledged; restoring the version');
      if (cleared.previousVersion !== null) {
        await store.restoreVersion(reference, cleared.previousVersion).catch((restoreError: unknown) => {
          log.error({ requestId, error: restoreError }, 'could not restore the version after a failed delete');
        });
      }
      throw notQueued(error);
    }
    log.info({ requestId, traceId: traceIdOf(trace.traceparent), tenantId: reference.tenantId, collection: reference.collection, documentId: reference.documentId }, 'delete accepted');
  };

  const status = (reference: DocumentReference): Promise<DocumentState | undefined> =>
    store.find(reference).catch((error: unknown) => {
      throw storeUnavailable(error);
    });

  return { prepareUpsert, upsert, remove, status };
};

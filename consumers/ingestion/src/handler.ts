import { createHash } from 'node:crypto';
import { DocumentError, type Chunk, type ParsedDocument } from '@rivulet/documents';
import { envelopeFrom, RetriableError, tombstone, type Handler, type OutgoingEvent, type OutgoingTombstone } from '@rivulet/kafka';
import { chunkKey, documentKey, TOPICS, type EventRecords } from '@rivulet/schemas';
import type { DocumentReference, DocumentStore } from './document-store.js';

export interface IngestionDependencies {
  store: DocumentStore;
  /** Text and title of the bytes, or a DocumentError (code + message) for bad input. */
  parse: (input: { content: Buffer; mimeType?: string; fileName?: string }) => Promise<ParsedDocument>;
  /** Chunks of the text, each within the embedding model's token limit. */
  chunk: (text: string) => Chunk[];
}

type Output = OutgoingEvent<EventRecords, 'chunk-created'> | OutgoingEvent<EventRecords, 'document-indexed'>;

const BLOB_PREFIX = 'blob:';

/**
 * The topics keyed by chunk. The embedding worker passes each tombstone it reads on `chunks` on to
 * `chunks-embedded` behind the key's last embedding (which is what orders it after a lagging
 * embedding); the one written here as well removes the key at once, before any embedding worker runs.
 */
const CHUNK_TOPICS = [TOPICS.chunks, TOPICS.chunksEmbedded] as const;

/** Tombstones for chunk indexes from … to-1 of a document on both chunk topics. */
const chunkTombstones = (reference: DocumentReference, from: number, to: number): OutgoingTombstone[] =>
  Array.from({ length: Math.max(0, to - from) }, (_, offset) => chunkKey(reference, from + offset))
    .flatMap((key) => CHUNK_TOPICS.map((topic) => tombstone(topic, key)));

/** A chunk id that is stable for a document version, and short whatever the document id's length. */
const chunkIdOf = (reference: DocumentReference, version: string, index: number): string =>
  `chunk_${createHash('sha256').update(`${reference.tenantId}\u0000${reference.collection}\u0000${reference.documentId}\u0000${version}\u0000${index}`).digest('hex').slice(0, 32)}`;

/**
 * document-received in. For an upsert: parse, chunk, and publish one chunk-created per chunk
 * with a `processing` status, or a `failed` status with the parser's reason. An unchanged
 * document (its version already indexed) is answered `completed` without any work. A version
 * that is no longer the latest accepted one is skipped. For a delete: remove its chunks.
 *
 * Chunk keys a shorter version or a delete leaves behind are tombstoned on the chunk topics before
 * the handler returns, so before anything newer of the document: the runtime handles one key
 * (one document) at a time, and publishes a handler's outputs before it handles the next event
 * of that key. The tombstones are emitted (context.emit), not returned: the count of keys is
 * raised before chunks are published and lowered only after their tombstones are acknowledged,
 * so a redelivery tombstones again (harmless) rather than too little. The runtime puts the
 * tenant id header on them.
 */
export const createIngestionHandler =
  ({ store, parse, chunk }: IngestionDependencies): Handler<EventRecords, 'document-received', 'chunk-created' | 'document-indexed'> =>
  async (event, context) => {
    const { payload } = event;
    const reference: DocumentReference = { tenantId: event.tenantId, collection: payload.collection, documentId: payload.documentId };
    const statusEvent = (status: string, fields: { chunkCount?: number; version?: string | null; error?: { code: string; message: string } } = {}): Output => ({
      topic: TOPICS.documentsIndexed,
      type: 'document-indexed',
      key: documentKey(reference),
      value: {
        ...envelopeFrom(event),
        payload: {
          documentId: payload.documentId, collection: payload.collection, documentVersion: fields.version ?? null, status,
          chunkCount: fields.chunkCount ?? 0, error: fields.error ? { ...fields.error, retryable: false, retryAfterMs: null } : null,
        },
      },
    });

    if (payload.operation === 'delete') {
      const deleted = await store.delete(reference);
      if (!deleted) return [];
      if (deleted.chunkKeys > 0) {
        await context.emit(chunkTombstones(reference, 0, deleted.chunkKeys));
        await store.recordChunkKeys(reference, 0);
      }
      return [statusEvent('deleted')];
    }

    const version = payload.contentHash;
    if (!version) return [statusEvent('failed', { error: { code: 'invalid_request', message: 'document-received without a content hash' } })];
    const state = await store.state(reference);
    if (state && state.version !== version) return []; // superseded by a later upload or a delete
    if (state?.currentVersion === version) {
      // The same bytes as the indexed version: no parsing, chunking or embedding.
      await store.markUnchanged(reference, version, state.chunkCount);
      return [statusEvent('completed', { version, chunkCount: state.chunkCount })];
    }

    const fail = async (error: { code: string; message: string }): Promise<Output[]> => {
      await store.markFailed(reference, version, error);
      return [statusEvent('failed', { version, error })];
    };
    const content = payload.content ?? (payload.contentUri?.startsWith(BLOB_PREFIX) ? await store.blob(payload.contentUri.slice(BLOB_PREFIX.length)) : undefined);
    if (!content) {
      // The ingress stores the blob before it publishes: a missing one is a replica lag or a bug, worth retrying.
      throw new RetriableError(`content of ${payload.documentId} not found (${payload.contentUri ?? 'no content'})`, { code: 'blob_missing' });
    }

    let parsed: ParsedDocument;
    try {
      parsed = await parse({ content, ...(payload.mimeType ? { mimeType: payload.mimeType } : {}), ...(payload.fileName ? { fileName: payload.fileName } : {}) });
    } catch (error) {
      if (error instanceof DocumentError) return fail({ code: error.code, message: error.message });
      throw error;
    }
    const chunks = chunk(parsed.text);
    if (chunks.length === 0) return fail({ code: 'empty_document', message: 'The document has no text to index.' });

    const previousKeys = state?.chunkKeys ?? 0;
    if (previousKeys > chunks.length) {
      await context.emit(chunkTombstones(reference, chunks.length, previousKeys));
    }
    await store.markProcessing(reference, version, chunks.length);
    const title = payload.title ?? parsed.title ?? null;
    const created: Output[] = chunks.map((piece) => ({
      topic: TOPICS.chunks,
      type: 'chunk-created',
      key: chunkKey(reference, piece.index),
      value: {
        ...envelopeFrom(event),
        payload: {
          chunk: {
            documentId: payload.documentId, collection: payload.collection, documentVersion: version,
            chunkId: chunkIdOf(reference, version, piece.index), index: piece.index, chunkCount: chunks.length,
            text: piece.text, startOffset: piece.startOffset, endOffset: piece.endOffset, contentHash: piece.contentHash,
            title, metadata: payload.metadata,
          },
        },
      },
    }));
    return [...created, statusEvent('processing', { version, chunkCount: chunks.length })];
  };

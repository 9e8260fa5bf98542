import { classifyError, envelopeFrom, type DeadLetterPayload, type Handler } from '@rivulet/kafka';
import { documentKey, TOPICS, type EventRecords } from '@rivulet/schemas';
import { PROCESSING_FAILED, type DocumentFailure, type DocumentRef } from '@rivulet/store';

/** What the handler needs of the store (failDocumentVersion on the indexer's pool). */
export interface DocumentFailures {
  failVersion(document: DocumentRef, version: string, failure: DocumentFailure): Promise<boolean>;
}

export interface DeadLetterHandlerDependencies {
  failures: DocumentFailures;
  /** Decodes the dead letter's original value (the service's codec). */
  decode: (buffer: Buffer) => Promise<{ type: string; value: unknown }>;
  /** KAFKA_TOPIC_PREFIX: a dead letter records the prefixed topic name. */
  topicPrefix: string;
  /** A dead letter on a document's path that names no document version (its value does not decode). */
  onUnattributed?: (letter: { originalTopic: string; originalOffset: string; reason: string }) => void;
}

/** The pipeline step each ingestion topic feeds, as the reason names it. */
const STEPS = new Map<string, string>([
  [TOPICS.documents, 'chunked'],
  [TOPICS.chunks, 'embedded'],
  [TOPICS.chunksEmbedded, 'indexed'],
]);

interface Attributed {
  document: DocumentRef;
  version: string;
  /** `chunk 3 of 7` or `the document`. */
  subject: string;
}

type ChunkEvent = EventRecords['chunk-created'] | EventRecords['chunk-embedded'];

/** The document version an original ingestion event is about; undefined for a delete. */
const attribute = (type: string, value: unknown): Attributed | undefined => {
  if (type === 'document-received') {
    const { tenantId, payload } = value as EventRecords['document-received'];
    if (payload.operation !== 'upsert' || !payload.contentHash) return undefined;
    return { document: { tenantId, collection: payload.collection, documentId: payload.documentId }, version: payload.contentHash, subject: 'the document' };
  }
  if (type === 'chunk-created' || type === 'chunk-embedded') {
    const { tenantId, payload: { chunk } } = value as ChunkEvent;
    return {
      document: { tenantId, collection: chunk.collection, documentId: chunk.documentId },
      version: chunk.documentVersion, subject: `chunk ${chunk.index + 1} of ${chunk.chunkCount}`,
    };
  }
  return undefined;
};

/** The client-facing reason: what could not be done, the dead letter's own error, and where to look. */
const reasonFor = (subject: string, step: string, letter: DeadLetterPayload): string =>
  `${subject[0]!.toUpperCase()}${subject.slice(1)} could not be ${step}: ${letter.errorMessage} (${letter.errorCode}, after ${letter.attempts} attempt${letter.attempts === 1 ? '' : 's'}; dead-lettered by ${letter.consumerGroup}). Send the document again; an operator can replay it with \`rivulet dlq replay\`.`;

/**
 * event-dead-lettered in; for a dead letter of the ingestion path (documents, chunks,
 * chunks-embedded), the document version it was about is failed with a reason built from the
 * dead letter's error, and document-indexed (failed) is published, which the ingress turns into
 * `ingest_status` frames. Dead letters of other topics, of a replaced or finished version, and
 * of deletes change nothing.
 */
export const createDeadLetterHandler =
  ({ failures, decode, topicPrefix, onUnattributed }: DeadLetterHandlerDependencies): Handler<EventRecords, 'event-dead-lettered', 'document-indexed'> =>
  async (event) => {
    const letter = event.payload;
    const topic = letter.originalTopic.startsWith(topicPrefix) ? letter.originalTopic.slice(topicPrefix.length) : undefined;
    const step = topic === undefined ? undefined : STEPS.get(topic);
    if (step === undefined || letter.originalValue === null) return [];
    let decoded: { type: string; value: unknown };
    try {
      decoded = await decode(Buffer.from(letter.originalValue));
    } catch (error) {
      const classified = classifyError(error);
      if (classified.retriable) throw error;
      onUnattributed?.({ originalTopic: letter.originalTopic, originalOffset: letter.originalOffset, reason: classified.message });
      return [];
    }
    const attributed = attribute(decoded.type, decoded.value);
    if (!attributed) return [];
    const { document, version, subject } = attributed;
    const failure = { code: PROCESSING_FAILED, message: reasonFor(subject, step, letter) };
    if (!(await failures.failVersion(document, version, failure))) return [];
    return [
      {
        topic: TOPICS.documentsIndexed,
        type: 'document-indexed',
        key: documentKey(document),
        value: {
          ...envelopeFrom({ ...event, tenantId: document.tenantId }),
          payload: {
            documentId: document.documentId, collection: document.collection, documentVersion: version, status: 'failed', chunkCount: 0,
            error: { code: failure.code, message: failure.message, retryable: letter.retriable, retryAfterMs: null },
          },
        },
      },
    ];
  };

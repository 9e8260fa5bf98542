// Record keys: what keeps related events in order on one partition, and what compaction keeps
// the latest of. Every producer computes keys here so they agree.
import type { EventType, RivuletEvent } from './events.js';

/** The part of an event that names one document. */
export interface DocumentReference {
  tenantId: string;
  collection: string;
  documentId: string;
}

// Each part is percent-encoded, so a `/` inside an id cannot make two documents share a key
// (which on a compacted topic would let one tenant's document replace another's).
const joinKey = (parts: readonly (string | number)[]): string =>
  parts.map((part) => encodeURIComponent(String(part))).join('/');

/** `<tenantId>/<collection>/<documentId>`: documents and documents-indexed topics. */
export const documentKey = ({ tenantId, collection, documentId }: DocumentReference): string =>
  joinKey([tenantId, collection, documentId]);

/** `<tenantId>/<collection>/<documentId>/<index>`: chunks and chunks-embedded topics. */
export const chunkKey = (document: DocumentReference, index: number): string =>
  `${documentKey(document)}/${index}`;

/**
 * The record key of an event, as docs/topics.md defines it per topic. A dead letter keeps the
 * original message's key bytes (null when it had none). Generic so a handler typed for some event
 * types can call it without widening its events first.
 */
export const eventKey = <T extends EventType>(tagged: RivuletEvent<T>): string | Buffer | null => {
  // TypeScript cannot relate RivuletEvent<T> to the full union for a generic T; it is one member.
  const event = tagged as RivuletEvent;
  switch (event.type) {
    case 'chat-request-received':
    case 'query-embedded':
    case 'context-retrieved':
      return event.payload.request.conversationId;
    case 'reply-delta':
    case 'reply-end':
      return event.payload.requestId;
    case 'message-persisted':
      return event.payload.conversationId;
    case 'document-received':
    case 'document-indexed':
      return documentKey({ tenantId: event.tenantId, collection: event.payload.collection, documentId: event.payload.documentId });
    case 'chunk-created':
    case 'chunk-embedded': {
      const { collection, documentId, index } = event.payload.chunk;
      return chunkKey({ tenantId: event.tenantId, collection, documentId }, index);
    }
    case 'usage-recorded':
      return event.tenantId;
    case 'event-dead-lettered':
      return event.payload.originalKey;
  }
};

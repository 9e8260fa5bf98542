// document-received events as the ingress publishes them, and the port it publishes through.
import { randomUUID } from 'node:crypto';
import { HEADERS, type EventProducer } from '@rivulet/kafka';
import { documentKey, TOPICS, type DocumentReceived, type DocumentReceivedPayload, type EventRecords } from '@rivulet/schemas';

/** Publishes one document-received event; resolves once Kafka acknowledged it. `traceparent`: the request's root span. */
export interface DocumentPublisher {
  publish(event: DocumentReceived, traceparent?: string): Promise<void>;
}

/** The Kafka publisher: topic and key come from @rivulet/schemas, never by hand. */
export const kafkaDocumentPublisher = (producer: EventProducer<EventRecords>): DocumentPublisher => ({
  publish: (event, traceparent) => producer.send([
    {
      topic: TOPICS.documents,
      type: 'document-received',
      key: documentKey({ tenantId: event.tenantId, collection: event.payload.collection, documentId: event.payload.documentId }),
      value: event,
      ...(traceparent === undefined ? {} : { headers: { [HEADERS.traceparent]: traceparent } }),
    },
  ]),
});

export interface EventOrigin {
  tenantId: string;
  /** The request id: HTTP request or WebSocket frame that caused the event. */
  requestId: string;
  apiKeyId: string;
}

export const documentReceived = (origin: EventOrigin, payload: Omit<DocumentReceivedPayload, 'apiKeyId'>): DocumentReceived => ({
  eventId: randomUUID(),
  tenantId: origin.tenantId,
  correlationId: origin.requestId,
  occurredAt: Date.now(),
  payload: { ...payload, apiKeyId: origin.apiKeyId },
});

/** The payload of a delete: content fields are null (schema docs). */
export const deletePayload = (collection: string, documentId: string): Omit<DocumentReceivedPayload, 'apiKeyId'> => ({
  documentId, collection, operation: 'delete', title: null, fileName: null, mimeType: null,
  content: null, contentUri: null, contentHash: null, sizeBytes: 0, metadata: {},
});

import { randomUUID } from 'node:crypto';
import type { ChatRequest, EventRecords } from '@rivulet/schemas';

/** A chat request as the ingress publishes it; `overrides` change single fields. */
export const chatRequest = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  requestId: randomUUID(), clientRequestId: 'c-1', conversationId: `conversation-${randomUUID()}`, userId: null, apiKeyId: 'key-1',
  message: 'How do I rotate an API key?', history: [], model: 'auto', temperature: null, maxOutputTokens: null,
  rag: true, collection: 'default', topK: 5, filters: {}, replyRoute: { ingressInstanceId: 'ingress-1', partition: 0 },
  kind: 'chat', acceptedAt: Date.now(), deadlineAt: Date.now() + 60_000, newConversation: false,
  ...overrides,
});

export const chatRequestReceived = (request: ChatRequest, tenantId = 'tenant-a'): EventRecords['chat-request-received'] & { type: 'chat-request-received' } => ({
  type: 'chat-request-received', eventId: randomUUID(), tenantId, correlationId: request.requestId, occurredAt: Date.now(), payload: { request },
});

import { randomUUID } from 'node:crypto';
import type { ChatRequest, Embedding, EventRecords } from '@rivulet/schemas';

/** A chat request as the ingress publishes it; `overrides` change single fields. */
export const chatRequest = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({
  requestId: randomUUID(), clientRequestId: null, conversationId: `conversation-${randomUUID()}`, userId: null, apiKeyId: 'key-1',
  message: 'How do I rotate an API key?', history: [], model: 'auto', temperature: null, maxOutputTokens: null,
  rag: true, collection: 'default', topK: 5, filters: {}, replyRoute: { ingressInstanceId: 'ingress-1', partition: 0 },
  kind: 'chat', acceptedAt: Date.now(), deadlineAt: Date.now() + 60_000, newConversation: false,
  ...overrides,
});

/** What the embedding worker publishes for `request`. */
export const queryEmbedded = (request: ChatRequest, embedding: Embedding | null, tenantId = 'tenant-a'): EventRecords['query-embedded'] & { type: 'query-embedded' } => ({
  type: 'query-embedded', eventId: randomUUID(), tenantId, correlationId: request.requestId, occurredAt: Date.now(), payload: { request, embedding },
});

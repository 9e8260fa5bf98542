// One realistic event of every type, typed by the generated types. Floats are exact in 32 bits
// so an Avro `float` round trip gives back the same numbers.
import type { ChatRequest, Chunk, Embedding, EventRecord, EventType, Source } from '../src/index.js';

const envelope = (correlationId: string) => ({
  eventId: '0b7c1c52-5d07-4d43-9d1e-7f1f2f9f6a01',
  tenantId: 'tenant-acme',
  correlationId,
  occurredAt: 1_767_225_600_000,
});

const request: ChatRequest = {
  requestId: 'req-1',
  clientRequestId: 'client-7',
  conversationId: 'conv-1',
  userId: null,
  apiKeyId: 'key-42',
  message: 'How do I rotate an API key?',
  history: [{ role: 'system', content: 'Answer briefly.' }],
  model: 'auto',
  temperature: 0.2,
  maxOutputTokens: null,
  rag: true,
  collection: 'default',
  topK: 5,
  filters: { product: 'rivulet' },
  replyRoute: { ingressInstanceId: 'ingress-a', partition: 3 },
  kind: 'chat',
  acceptedAt: 1_767_225_600_000,
  deadlineAt: 1_767_225_660_000, newConversation: false,
};

const embedding: Embedding = { modelId: 'all-MiniLM-L6-v2', modelVersion: 'rev-1', dimension: 4, vector: [0.5, -0.25, 1, 0] };

const chunk: Chunk = {
  documentId: 'guide/keys.md',
  collection: 'default',
  documentVersion: `sha256:${'ab'.repeat(32)}`,
  chunkId: 'guide/keys.md#0',
  index: 0,
  chunkCount: 2,
  text: 'Keys are rotated with `rivulet keys revoke`.',
  startOffset: 0,
  endOffset: 44,
  contentHash: `sha256:${'cd'.repeat(32)}`,
  title: 'API keys',
  metadata: { product: 'rivulet' },
};

const source: Source = { n: 1, documentId: chunk.documentId, chunkId: chunk.chunkId, title: 'API keys', score: 0.875, snippet: 'Keys are rotated…' };

export const SAMPLES: { [K in EventType]: EventRecord<K> } = {
  'chat-request-received': { ...envelope('req-1'), payload: { request } },
  'query-embedded': { ...envelope('req-1'), payload: { request, embedding } },
  'context-retrieved': {
    ...envelope('req-1'),
    payload: {
      request,
      chunks: [{ documentId: chunk.documentId, chunkId: chunk.chunkId, title: null, score: 0.875, snippet: 'Keys are…', content: chunk.text, metadata: {} }],
    },
  },
  'reply-delta': { ...envelope('req-1'), payload: { requestId: 'req-1', attemptId: 'attempt-1', seq: 0, content: 'Use ', reset: false, sources: [source], failover: null } },
  'reply-end': {
    ...envelope('req-1'),
    payload: {
      requestId: 'req-1',
      kind: 'chat',
      attemptId: 'attempt-1',
      conversationId: 'conv-1',
      messageId: 'msg-2',
      status: 'error',
      content: 'Use ',
      finishReason: 'error',
      model: 'gpt-4o-mini',
      provider: 'openai',
      usage: { inputTokens: 812, outputTokens: 1 },
      servedBy: ['openai-mini'],
      latencyMs: 1234,
      costUsd: 0.000125,
      error: { code: 'provider_unavailable', message: 'Every provider failed; retry shortly.', retryable: true, retryAfterMs: 5000 },
      sources: [source],
    },
  },
  'usage-recorded': {
    ...envelope('req-1'),
    payload: {
      requestId: 'req-1', attemptId: 'attempt-1', apiKeyId: 'key-42', requestedModel: 'auto', model: 'gpt-4o-mini', provider: 'openai',
      servedBy: ['openai-mini', 'claude-haiku'], inputTokens: 812, outputTokens: 40, costUsd: 0.000146, latencyMs: 1234,
      outcome: 'done', errorCode: null,
    },
  },
  'message-persisted': { ...envelope('req-1'), payload: { conversationId: 'conv-1', messageId: 'msg-1', role: 'user', requestId: 'req-1', tokens: 9 } },
  'document-received': {
    ...envelope('ingest-1'),
    payload: {
      documentId: 'guide/keys.md',
      collection: 'default',
      operation: 'upsert',
      title: 'API keys',
      fileName: 'keys.md',
      mimeType: 'text/markdown; charset=utf-8',
      content: Buffer.from('# API keys\n\nKeys are rotated with `rivulet keys revoke`.\n'),
      contentUri: null,
      contentHash: chunk.documentVersion,
      sizeBytes: 56,
      metadata: { product: 'rivulet' },
      apiKeyId: 'key-42',
    },
  },
  'chunk-created': { ...envelope('ingest-1'), payload: { chunk } },
  'chunk-embedded': { ...envelope('ingest-1'), payload: { chunk, embedding } },
  'document-indexed': {
    ...envelope('ingest-1'),
    payload: { documentId: 'guide/keys.md', collection: 'default', documentVersion: chunk.documentVersion, status: 'completed', chunkCount: 2, error: null },
  },
  'event-dead-lettered': {
    ...envelope('req-1'),
    payload: {
      originalTopic: 'rivulet.chat.requests',
      originalPartition: 2,
      originalOffset: '9007199254740993',
      originalTimestamp: 1_767_225_599_000,
      originalKey: Buffer.from('conv-1'),
      originalValue: Buffer.from([0, 0, 0, 0, 7, 2, 4]),
      originalHeaders: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      consumerGroup: 'rivulet.embedding',
      errorCode: 'decode_failed',
      errorMessage: 'unknown schema id 7',
      retriable: false,
      attempts: 1,
      failedAt: 1_767_225_601_000,
    },
  },
};

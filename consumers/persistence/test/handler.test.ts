import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HandlerContext } from '@rivulet/kafka';
import { TOPICS, type ChatRequest, type EventRecords, type ReplyEndPayload } from '@rivulet/schemas';
import type { AssistantMessageInput, PersistedMessage, UserMessageInput } from '@rivulet/store';
import { createPersistenceHandler, nameBasedUuid, type MessageStore, type PersistenceInput } from '../src/index.js';

/** The store port in memory, idempotent per (tenant, request, role) like the real one. */
const memoryStore = () => {
  const rows = new Map<string, { id: string; tokens: number; input: UserMessageInput | AssistantMessageInput }>();
  const put = (key: string, id: string, tokens: number, input: UserMessageInput | AssistantMessageInput): PersistedMessage => {
    const existing = rows.get(key);
    if (existing) return { id: existing.id, tokens: existing.tokens, inserted: false };
    rows.set(key, { id, tokens, input });
    return { id, tokens, inserted: true };
  };
  const store: MessageStore = {
    storeQuestion: (message) => Promise.resolve(put(`${message.tenantId}/${message.requestId}/user`, `${message.requestId}:user`, 0, message)),
    storeAnswer: (message) => Promise.resolve(put(`${message.tenantId}/${message.requestId}/assistant`, message.messageId, message.usage.outputTokens, message)),
  };
  return { store, rows };
};

const request = (overrides: Partial<ChatRequest> = {}): EventRecords['chat-request-received'] => ({
  eventId: 'event-request', tenantId: 'tenant-a', correlationId: 'r1', occurredAt: 1_700_000_000_000,
  payload: {
    request: {
      requestId: 'r1', clientRequestId: 'client-1', conversationId: 'c1', userId: 'ann', apiKeyId: 'key-1', message: 'What is Rivulet?',
      history: [], model: 'auto', temperature: null, maxOutputTokens: null, rag: true, collection: 'default', topK: 5, filters: {},
      replyRoute: { ingressInstanceId: 'ingress-1', partition: 0 }, kind: 'chat', acceptedAt: 1_700_000_000_000, deadlineAt: 1_700_000_060_000, newConversation: false,
      ...overrides,
    },
  },
});

const replyEnd = (overrides: Partial<ReplyEndPayload> = {}): EventRecords['reply-end'] => ({
  eventId: 'event-end', tenantId: 'tenant-a', correlationId: 'r1', occurredAt: 1_700_000_002_000,
  payload: {
    requestId: 'r1', kind: 'chat', attemptId: 'attempt-1', conversationId: 'c1', messageId: 'r1:assistant', status: 'done',
    content: 'An event-driven AI backend [1].', finishReason: 'stop', model: 'gpt-test', provider: 'openai',
    usage: { inputTokens: 410, outputTokens: 12 }, servedBy: ['openai-mini'], latencyMs: 2000, costUsd: 0.0004, error: null,
    sources: [{ n: 1, documentId: 'doc-1', chunkId: 'chunk-1', title: 'Readme', score: 0.82, snippet: 'Rivulet is…' }],
    ...overrides,
  },
});

const context = (eventType: PersistenceInput) => ({ eventType }) as HandlerContext<PersistenceInput>;

test('a chat request stores its question, keyed by the request, and announces it', async () => {
  const { store, rows } = memoryStore();
  const outputs = (await createPersistenceHandler({ store })(request(), context('chat-request-received'))) ?? [];
  const stored = rows.get('tenant-a/r1/user')!.input as UserMessageInput;
  assert.deepEqual(
    { ...stored },
    {
      tenantId: 'tenant-a', conversationId: 'c1', requestId: 'r1', content: 'What is Rivulet?', createdAt: 1_700_000_000_000, userId: 'ann', model: 'auto',
      metadata: { model: 'auto', rag: true, collection: 'default', apiKeyId: 'key-1' },
    },
    'created at the request\'s acceptance time',
  );
  assert.equal(outputs.length, 1);
  const [persisted] = outputs;
  assert.equal(persisted!.topic, TOPICS.messagesPersisted);
  assert.equal(persisted!.type, 'message-persisted');
  assert.equal(persisted!.key, 'c1');
  assert.deepEqual(persisted!.value.payload, { conversationId: 'c1', messageId: 'r1:user', role: 'user', requestId: 'r1', tokens: 0 });
  assert.equal(persisted!.value.tenantId, 'tenant-a');
  assert.equal(persisted!.value.correlationId, 'r1');
});

test('the question is dated by the request\'s acceptedAt, or by the event\'s occurredAt when it is older than that field', async () => {
  const { store, rows } = memoryStore();
  const handler = createPersistenceHandler({ store });
  await handler(request({ requestId: 'r-new', acceptedAt: 1_699_999_999_000 }), context('chat-request-received'));
  await handler(request({ requestId: 'r-old', acceptedAt: null }), context('chat-request-received'));
  assert.equal(rows.get('tenant-a/r-new/user')!.input.createdAt, 1_699_999_999_000);
  assert.equal(rows.get('tenant-a/r-old/user')!.input.createdAt, 1_700_000_000_000);
});

test('a completed answer is stored with its usage and metadata, under the reply\'s messageId', async () => {
  const { store, rows } = memoryStore();
  const outputs = (await createPersistenceHandler({ store })(replyEnd(), context('reply-end'))) ?? [];
  const stored = rows.get('tenant-a/r1/assistant')!.input as AssistantMessageInput;
  assert.equal(stored.messageId, 'r1:assistant');
  assert.equal(stored.content, 'An event-driven AI backend [1].');
  assert.equal(stored.createdAt, 1_700_000_002_000, 'created at the reply-end\'s time');
  assert.deepEqual(stored.usage, { inputTokens: 410, outputTokens: 12 });
  assert.deepEqual(stored.metadata, {
    sources: replyEnd().payload.sources, model: 'gpt-test', provider: 'openai', finishReason: 'stop', latencyMs: 2000, costUsd: 0.0004,
  });
  assert.deepEqual(outputs[0]!.value.payload, { conversationId: 'c1', messageId: 'r1:assistant', role: 'assistant', requestId: 'r1', tokens: 12 });
  assert.equal(outputs[0]!.key, 'c1');
});

test('a redelivery stores nothing new but announces again, with the same eventId', async () => {
  const { store, rows } = memoryStore();
  const handler = createPersistenceHandler({ store });
  const first = (await handler(replyEnd(), context('reply-end'))) ?? [];
  const again = (await handler(replyEnd(), context('reply-end'))) ?? [];
  assert.equal(rows.size, 1);
  assert.equal(again.length, 1, 'published again: the first publish may have been lost in a crash');
  assert.equal(again[0]!.value.eventId, first[0]!.value.eventId);
  assert.deepEqual(again[0]!.value.payload, first[0]!.value.payload);
  const question = (await handler(request(), context('chat-request-received'))) ?? [];
  assert.notEqual(question[0]!.value.eventId, first[0]!.value.eventId, 'another message, another eventId');
});

test('a second generation attempt\'s answer is announced under the id that was stored first', async () => {
  const { store } = memoryStore();
  const handler = createPersistenceHandler({ store });
  await handler(replyEnd(), context('reply-end'));
  const outputs = (await handler(replyEnd({ messageId: 'another-id', attemptId: 'attempt-2' }), context('reply-end'))) ?? [];
  assert.equal(outputs[0]!.value.payload.messageId, 'r1:assistant');
});

test('search requests, search results and failed answers are not stored', async () => {
  const { store, rows } = memoryStore();
  const handler = createPersistenceHandler({ store });
  assert.deepEqual(await handler(request({ kind: 'search' }), context('chat-request-received')), []);
  assert.deepEqual(await handler(replyEnd({ kind: 'search', content: '' }), context('reply-end')), []);
  const error = { code: 'provider_unavailable', message: 'Try again.', retryable: true, retryAfterMs: null };
  assert.deepEqual(await handler(replyEnd({ status: 'error', error, finishReason: 'error' }), context('reply-end')), []);
  assert.equal(rows.size, 0);
});

test('an unknown kind or status fails that one event for good (dead-lettered), it is not skipped', async () => {
  const { store, rows } = memoryStore();
  const handler = createPersistenceHandler({ store });
  const nonRetriable = (error: unknown) => (error as { retriable?: boolean }).retriable === false;
  await assert.rejects(handler(request({ kind: 'agent' }), context('chat-request-received')), nonRetriable);
  await assert.rejects(handler(replyEnd({ kind: 'agent' }), context('reply-end')), nonRetriable);
  await assert.rejects(handler(replyEnd({ status: 'partial' }), context('reply-end')), nonRetriable);
  assert.equal(rows.size, 0);
});

test('a store failure propagates, so the runtime retries the event instead of committing it', async () => {
  const store: MessageStore = {
    storeQuestion: () => Promise.reject(new Error('connection terminated')),
    storeAnswer: () => Promise.reject(new Error('connection terminated')),
  };
  await assert.rejects(createPersistenceHandler({ store })(request(), context('chat-request-received')), /connection terminated/);
});

test('name-based UUIDs follow RFC 9562 version 5', () => {
  // The RFC's example: the DNS namespace and www.example.com.
  assert.equal(nameBasedUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  assert.match(nameBasedUuid('anything'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.throws(() => nameBasedUuid('x', 'not-a-uuid'), TypeError);
});

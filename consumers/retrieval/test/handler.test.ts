import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HandlerContext } from '@rivulet/kafka';
import { TOPICS, type RetrievedChunk } from '@rivulet/schemas';
import { createRetrievalHandler, type ChunkSearch } from '../src/index.js';
import { chatRequest, queryEmbedded } from './support/requests.js';

const context = {} as HandlerContext<'query-embedded'>;
const embedding = { modelId: 'm', modelVersion: '1', dimension: 2, vector: [0.6, 0.8] };
const found: RetrievedChunk[] = [
  { documentId: 'doc-1', chunkId: 'doc-1:0', title: 'Keys', score: 0.91, snippet: 'Rotate keys…', content: 'Rotate keys in the dashboard.', metadata: { lang: 'en' } },
  { documentId: 'doc-2', chunkId: 'doc-2:3', title: null, score: 0.42, snippet: 'Billing', content: 'Billing', metadata: {} },
];

/** A search port that answers `chunks` (or no index) and records what it was asked. */
const fakeSearch = (chunks: RetrievedChunk[] = found, indexVersion: number | null = 1) => {
  const calls: Parameters<ChunkSearch>[0][] = [];
  const search: ChunkSearch = (query) => {
    calls.push(query);
    return Promise.resolve({ indexVersion, chunks: indexVersion === null ? [] : chunks });
  };
  return { search, calls };
};

test('chat: context-retrieved keyed by conversation, the request unchanged, chunks best first, scoped to the event\'s tenant', async () => {
  const { search, calls } = fakeSearch();
  const handler = createRetrievalHandler({ search });
  const request = chatRequest({ collection: 'manuals', topK: 7, filters: { lang: 'en' } });
  const event = queryEmbedded(request, embedding, 'tenant-x');
  const outputs = (await handler(event, context)) ?? [];
  assert.equal(outputs.length, 1);
  const output = outputs[0]!;
  assert.equal(output.topic, TOPICS.contextsRetrieved);
  assert.equal(output.key, request.conversationId);
  assert.ok(output.type === 'context-retrieved');
  assert.deepEqual(output.value.payload, { request, chunks: found });
  assert.equal(output.value.tenantId, 'tenant-x');
  assert.equal(output.value.correlationId, event.correlationId);
  assert.equal(output.partition, undefined, 'chat context goes by key');
  assert.deepEqual(calls, [{ tenantId: 'tenant-x', collection: 'manuals', filters: { lang: 'en' }, embedding, topK: 7 }]);
});

test('chat with rag false or without an embedding: no search, no chunks, still passed on', async () => {
  const { search, calls } = fakeSearch();
  const handler = createRetrievalHandler({ search });
  for (const [request, vector] of [[chatRequest({ rag: false }), null], [chatRequest({ rag: false }), embedding], [chatRequest(), null]] as const) {
    const outputs = (await handler(queryEmbedded(request, vector), context)) ?? [];
    assert.equal(outputs.length, 1);
    assert.ok(outputs[0]!.type === 'context-retrieved');
    assert.deepEqual(outputs[0]!.value.payload.chunks, []);
    assert.deepEqual(outputs[0]!.value.payload.request, request);
  }
  assert.equal(calls.length, 0);
});

test('search: one reply-end with the sources, to the request\'s replies partition, keyed by request id', async () => {
  const { search } = fakeSearch();
  const now = 1_800_000_000_000;
  const handler = createRetrievalHandler({ search, now: () => now, newAttemptId: () => 'attempt-1' });
  const request = chatRequest({ kind: 'search', topK: 2, replyRoute: { ingressInstanceId: 'ingress-7', partition: 4 }, acceptedAt: now - 35, deadlineAt: now + 1000 });
  const event = queryEmbedded(request, embedding);
  const outputs = (await handler(event, context)) ?? [];
  assert.equal(outputs.length, 1);
  const output = outputs[0]!;
  assert.equal(output.topic, TOPICS.replies);
  assert.equal(output.partition, 4);
  assert.equal(output.key, request.requestId);
  assert.ok(output.type === 'reply-end');
  assert.deepEqual(output.value.payload, {
    requestId: request.requestId, kind: 'search', attemptId: 'attempt-1', conversationId: request.conversationId, messageId: '',
    status: 'done', content: '', finishReason: null, model: '', provider: '', usage: { inputTokens: 0, outputTokens: 0 }, servedBy: [],
    latencyMs: 35, costUsd: null, error: null,
    sources: [
      { n: 1, documentId: 'doc-1', chunkId: 'doc-1:0', title: 'Keys', score: 0.91, snippet: 'Rotate keys…' },
      { n: 2, documentId: 'doc-2', chunkId: 'doc-2:3', title: null, score: 0.42, snippet: 'Billing' },
    ],
  });
  const legacy = await handler(queryEmbedded({ ...request, acceptedAt: null }, embedding), context);
  assert.ok(legacy?.[0]?.type === 'reply-end');
  assert.ok(legacy[0].value.payload.latencyMs >= 0, 'without acceptedAt, latency counts from the event');
});

const randomAttempt = async (handler: ReturnType<typeof createRetrievalHandler>): Promise<string> => {
  const outputs = await handler(queryEmbedded(chatRequest({ kind: 'search' }), embedding), context);
  assert.ok(outputs?.[0]?.type === 'reply-end');
  return outputs[0].value.payload.attemptId;
};

test('a new attempt id per search answer by default', async () => {
  const handler = createRetrievalHandler({ search: fakeSearch().search });
  const first = await randomAttempt(handler);
  const second = await randomAttempt(handler);
  assert.match(first, /^[0-9a-f-]{36}$/);
  assert.notEqual(first, second);
});

test('search without an embedding, an unknown kind or a bad reply partition fail for good (dead-lettered, not retried)', async () => {
  const handler = createRetrievalHandler({ search: fakeSearch().search });
  const permanent = (error: unknown) => (error as { retriable?: boolean }).retriable === false;
  await assert.rejects(handler(queryEmbedded(chatRequest({ kind: 'search', rag: false }), null), context), permanent);
  await assert.rejects(handler(queryEmbedded(chatRequest({ kind: 'summarise' }), embedding), context), permanent);
  await assert.rejects(handler(queryEmbedded(chatRequest({ kind: 'search', replyRoute: { ingressInstanceId: 'i', partition: -1 } }), embedding), context), permanent);
});

test('a request past its deadline is dropped without a search', async () => {
  const { search, calls } = fakeSearch();
  const expired: string[] = [];
  const now = 1_800_000_000_000;
  const handler = createRetrievalHandler({ search, now: () => now, onExpired: ({ requestId }) => expired.push(requestId) });
  for (const kind of ['chat', 'search']) {
    const request = chatRequest({ kind, deadlineAt: now - 1 });
    assert.deepEqual(await handler(queryEmbedded(request, embedding), context), []);
    assert.equal(expired.at(-1), request.requestId);
  }
  assert.equal(calls.length, 0);
});

test('questions from a model without an active index get no chunks, and that is reported once per model', async () => {
  const { search } = fakeSearch([], null);
  const missing: string[] = [];
  const searched: number[] = [];
  const handler = createRetrievalHandler({ search, onMissingIndex: (model) => missing.push(`${model.modelId}@${model.modelVersion}/${model.dimension}`), onSearched: ({ chunks }) => searched.push(chunks) });
  for (let round = 0; round < 3; round += 1) {
    const outputs = await handler(queryEmbedded(chatRequest(), embedding), context);
    assert.ok(outputs?.[0]?.type === 'context-retrieved');
    assert.deepEqual(outputs[0].value.payload.chunks, []);
  }
  await handler(queryEmbedded(chatRequest(), { ...embedding, modelVersion: '2' }), context);
  assert.deepEqual(missing, ['m@1/2', 'm@2/2']);
  assert.deepEqual(searched, [0, 0, 0, 0]);
});

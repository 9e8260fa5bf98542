import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TOPICS } from '@rivulet/schemas';
import { EMBEDDING_QUERIES_GROUP, runEmbeddingWorker } from '../src/index.js';
import { createTopicSandbox, testEnvironment as environment, waitFor, type TopicSandbox } from '@rivulet/testing';
import { chatRequest, chatRequestReceived } from './support/requests.js';

let sandbox: TopicSandbox;
let worker: { stop(): Promise<void> };

before(async () => {
  sandbox = await createTopicSandbox();
  worker = await runEmbeddingWorker({
    ...process.env, LOG_LEVEL: 'silent', KAFKA_BROKERS: environment.brokers.join(','), SCHEMA_REGISTRY_URL: environment.registryUrl,
    KAFKA_TOPIC_PREFIX: sandbox.prefix, EMBEDDING_PROVIDER: 'onnx',
  });
});
after(async () => {
  await worker?.stop();
  await sandbox?.close();
});

test(`the embedding process answers chat requests on ${TOPICS.queriesEmbedded} in group ${EMBEDDING_QUERIES_GROUP}: embedded, passed through, or dropped when late`, { timeout: 120_000 }, async () => {
  const received = await sandbox.collect(TOPICS.queriesEmbedded, ['query-embedded']);
  const rag = chatRequest({ message: 'Where are the invoices stored?' });
  const plain = chatRequest({ rag: false });
  const late = chatRequest({ deadlineAt: Date.now() - 1000 });
  // Same key as the late one, so it is read after it: once it is out, the late one was handled.
  const afterLate = chatRequest({ conversationId: late.conversationId, message: 'And the receipts?' });
  await sandbox.send([rag, plain, late, afterLate].map((request) => ({
    topic: TOPICS.chatRequests, type: 'chat-request-received' as const, key: request.conversationId, value: chatRequestReceived(request),
  })));
  await waitFor(() => received.length >= 3, { description: 'three query-embedded events' });
  const byRequest = new Map(received.map(({ event, key }) => [event.payload.request.requestId, { event, key }]));
  const embedded = byRequest.get(rag.requestId);
  assert.ok(embedded);
  assert.equal(embedded.key, rag.conversationId);
  assert.deepEqual(JSON.parse(JSON.stringify(embedded.event.payload.request)), rag, 'request unchanged (decoded records are avsc classes: compared as data)');
  assert.equal(embedded.event.payload.embedding?.dimension, 384);
  assert.equal(embedded.event.payload.embedding?.vector.length, 384);
  assert.equal(embedded.event.payload.embedding?.modelId, 'sentence-transformers/all-MiniLM-L6-v2');
  assert.equal(byRequest.get(plain.requestId)?.event.payload.embedding, null, 'rag false: null embedding');
  assert.ok(byRequest.has(afterLate.requestId), 'the request behind the late one (same key, so read after it) went through');
  assert.equal(byRequest.has(late.requestId), false, 'the late request was dropped');
  assert.equal(received.length, 3);
});

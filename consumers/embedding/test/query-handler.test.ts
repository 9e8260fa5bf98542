import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HandlerContext } from '@rivulet/kafka';
import { TOPICS } from '@rivulet/schemas';
import { createQueryEmbeddingHandler, type EmbedderPort, type EmbedOptions } from '../src/index.js';
import { chatRequest, chatRequestReceived } from './support/requests.js';

const model = { id: 'fake-model', version: 'v1', dimension: 3 };
const context = {} as HandlerContext<'chat-request-received'>;

const fakeEmbedder = () => {
  const calls: { text: string; options: EmbedOptions | undefined }[] = [];
  const embedder: EmbedderPort = {
    embed: (text, options) => {
      calls.push({ text, options });
      return Promise.resolve({ vector: Float32Array.from([0.5, 0.25, 0.125]), model });
    },
  };
  return { embedder, calls };
};

test('a rag request comes out as query-embedded: same key, request unchanged, the question\'s vector in the high lane', async () => {
  const { embedder, calls } = fakeEmbedder();
  const handler = createQueryEmbeddingHandler({ embedder, queryText: (message) => message.toUpperCase() });
  const request = chatRequest({ filters: { lang: 'en' }, topK: 7 });
  const event = chatRequestReceived(request, 'tenant-x');
  const outputs = (await handler(event, context)) ?? [];
  assert.equal(outputs.length, 1);
  const [output] = outputs;
  assert.equal(output!.topic, TOPICS.queriesEmbedded);
  assert.equal(output!.type, 'query-embedded');
  assert.equal(output!.key, request.conversationId);
  assert.deepEqual(output!.value.payload.request, request, 'carried on unchanged');
  assert.deepEqual(output!.value.payload.embedding, { modelId: 'fake-model', modelVersion: 'v1', dimension: 3, vector: [0.5, 0.25, 0.125] });
  assert.equal(output!.value.tenantId, 'tenant-x');
  assert.equal(output!.value.correlationId, event.correlationId);
  assert.notEqual(output!.value.eventId, event.eventId, 'a new event id');
  assert.deepEqual(calls, [{ text: request.message.toUpperCase(), options: { priority: 'high', fitToModel: true } }], 'the question text, high priority, cut to what the model reads');
});

test('rag false passes the request through with a null embedding and no model work', async () => {
  const { embedder, calls } = fakeEmbedder();
  const handler = createQueryEmbeddingHandler({ embedder });
  const request = chatRequest({ rag: false });
  const outputs = (await handler(chatRequestReceived(request), context)) ?? [];
  assert.equal(outputs.length, 1);
  assert.equal(outputs[0]!.value.payload.embedding, null);
  assert.deepEqual(outputs[0]!.value.payload.request, request);
  assert.equal(calls.length, 0);
});

test('a request past its deadline is dropped: no output, no model work, reported once', async () => {
  const { embedder, calls } = fakeEmbedder();
  const expired: string[] = [];
  const now = 1_800_000_000_000;
  const handler = createQueryEmbeddingHandler({ embedder, now: () => now, onExpired: ({ requestId }) => expired.push(requestId) });
  const late = chatRequest({ deadlineAt: now - 1 });
  assert.deepEqual(await handler(chatRequestReceived(late), context), []);
  assert.equal(calls.length, 0);
  assert.deepEqual(expired, [late.requestId]);
  const onTime = chatRequest({ deadlineAt: now });
  assert.equal(((await handler(chatRequestReceived(onTime), context)) ?? []).length, 1, 'the deadline instant itself is still on time');
});

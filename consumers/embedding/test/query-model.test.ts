import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { loadConfig } from '@rivulet/config';
import { cosineSimilarity, EmbeddingError } from '@rivulet/embedding';
import type { HandlerContext } from '@rivulet/kafka';
import type { Chunk } from '@rivulet/schemas';
import { BatchingEmbedder, createEmbeddingHandler, createQueryEmbeddingHandler, embeddingConfigSchema, fitQueryToModel, loadConfiguredModel } from '../src/index.js';
import { chatRequest, chatRequestReceived } from './support/requests.js';
import { memoryCache } from './support/memory-cache.js';

// The real all-MiniLM-L6-v2 that `rivulet infra up` fetched, loaded the way main.ts loads it.
const model = await loadConfiguredModel(loadConfig(embeddingConfigSchema, { ...process.env, EMBEDDING_PROVIDER: 'onnx' }));
after(() => model.close());

const chunk = (text: string): Chunk => ({
  documentId: 'doc-1', collection: 'default', documentVersion: 'sha256:1', chunkId: 'doc-1:0', index: 0, chunkCount: 1,
  text, startOffset: 0, endOffset: text.length, contentHash: 'sha256:2', title: 'Keys', metadata: {},
});

const context = {} as HandlerContext<never>;

test('a question and a chunk with the same text get the same vector under the same cache key: one model run', async () => {
  let modelTexts = 0;
  const counting = { ...model, embed: (texts: readonly string[]) => ((modelTexts += texts.length), model.embed(texts)) };
  const cache = memoryCache();
  const embedder = new BatchingEmbedder({ model: counting, cache, fitText: fitQueryToModel });
  const text = 'Rotate an API key from the dashboard, then revoke the old one.';
  const chunkOutputs = (await createEmbeddingHandler({ embedder })({ eventId: 'e', tenantId: 't', correlationId: 'c', occurredAt: 0, payload: { chunk: chunk(text) } }, context)) ?? [];
  const queryHandler = createQueryEmbeddingHandler({ embedder });
  const queryOutputs = (await queryHandler(chatRequestReceived(chatRequest({ message: text })), context)) ?? [];
  const chunkEmbedding = chunkOutputs[0]!.value.payload.embedding;
  const queryEmbedding = queryOutputs[0]!.value.payload.embedding!;
  assert.deepEqual(queryEmbedding, chunkEmbedding, 'same model id, version, dimension and vector');
  assert.equal(queryEmbedding.dimension, 384);
  assert.equal(modelTexts, 1, 'the question was a cache hit on the chunk\'s key');
  assert.equal(cache.store.size, 1);
});

test('questions land near the chunks that answer them (no query prefix: the model is symmetric)', async () => {
  const embedder = new BatchingEmbedder({ model, cache: memoryCache(), fitText: fitQueryToModel });
  const handler = createQueryEmbeddingHandler({ embedder });
  const outputs = (await handler(chatRequestReceived(chatRequest({ message: 'How do I rotate an API key?' })), context)) ?? [];
  const question = Float32Array.from(outputs[0]!.value.payload.embedding!.vector);
  const [relevant, unrelated] = await model.embed(['To rotate an API key, create a new key in the dashboard and revoke the old one.', 'The recipe needs two eggs and a cup of flour.']);
  assert.ok(cosineSimilarity(question, relevant!) > cosineSimilarity(question, unrelated!) + 0.2);
});

test('a question longer than the model reads is cut at a token boundary to what the model reads, instead of failing', async () => {
  const long = Array.from({ length: 2000 }, (_, index) => `word${index % 50}`).join(' ');
  await assert.rejects(model.embed([long]), (error: unknown) => error instanceof EmbeddingError && error.code === 'input_too_long', 'the control: the model refuses the whole text');
  const fitted = fitQueryToModel(model)(long);
  assert.ok(long.startsWith(fitted) && fitted.length < long.length);
  assert.ok(model.tokenizer!.countTokens(fitted) <= model.maxTokens);
  assert.ok(model.tokenizer!.countTokens(long.slice(0, long.indexOf(' ', fitted.length + 1))) > model.maxTokens, 'the longest prefix that fits');
  assert.equal(fitQueryToModel(model)('short question'), 'short question');
  const embedder = new BatchingEmbedder({ model, cache: memoryCache(), fitText: fitQueryToModel });
  const handler = createQueryEmbeddingHandler({ embedder });
  const outputs = (await handler(chatRequestReceived(chatRequest({ message: long })), context)) ?? [];
  const [expected] = await model.embed([fitted]);
  assert.deepEqual(outputs[0]!.value.payload.embedding!.vector, Array.from(expected!));
});

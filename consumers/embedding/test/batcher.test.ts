import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddingError, type EmbeddingModel } from '@rivulet/embedding';
import { BatchingEmbedder, type EmbeddingCache } from '../src/index.js';

/** A deterministic model that records its calls (the port's fake; the real one is tested in @rivulet/embedding). */
const fakeModel = (maxLength = 1000) => {
  const calls: string[][] = [];
  const model: EmbeddingModel = {
    id: 'fake', version: '1', dimension: 4, maxTokens: 256, tokenizer: undefined,
    embed: async (texts) => {
      calls.push([...texts]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const tooLong = texts.find((text) => text.length > maxLength);
      if (tooLong) throw new EmbeddingError({ code: 'input_too_long', message: 'too long' });
      return texts.map((text) => Float32Array.from([text.length, 1, 2, 3]));
    },
    close: () => Promise.resolve(),
  };
  return { model, calls };
};

const memoryCache = (): EmbeddingCache & { store: Map<string, Float32Array> } => {
  const store = new Map<string, Float32Array>();
  return {
    store,
    getMany: (keys) => Promise.resolve(keys.map((key) => store.get(key))),
    setMany: (entries) => Promise.resolve(void entries.forEach(({ key, vector }) => store.set(key, vector))),
    close: () => Promise.resolve(),
  };
};

test('concurrent requests are embedded in full batches: one model call per batch', async () => {
  const { model, calls } = fakeModel();
  const embedder = new BatchingEmbedder({ model, cache: memoryCache(), maxBatchSize: 32, maxWaitMs: 20 });
  const texts = Array.from({ length: 100 }, (_, index) => `text number ${index}`);
  const vectors = await Promise.all(texts.map((text) => embedder.embed(text)));
  assert.equal(vectors.length, 100);
  assert.deepEqual(calls.map((call) => call.length), [32, 32, 32, 4]);
  assert.equal(vectors[7]![0], texts[7]!.length, 'each caller gets its own vector');
});

test('a lone request waits at most maxWaitMs', async () => {
  const { model } = fakeModel();
  const embedder = new BatchingEmbedder({ model, cache: memoryCache(), maxBatchSize: 32, maxWaitMs: 10 });
  const started = Date.now();
  await embedder.embed('alone');
  assert.ok(Date.now() - started < 200);
});

test('cached texts are not embedded again, and identical texts in a batch are embedded once', async () => {
  const { model, calls } = fakeModel();
  const cache = memoryCache();
  const embedder = new BatchingEmbedder({ model, cache, maxBatchSize: 8, maxWaitMs: 5 });
  await Promise.all(['a', 'b', 'a', 'a'].map((text) => embedder.embed(text)));
  assert.deepEqual(calls, [['a', 'b']]);
  assert.equal(cache.store.size, 2);
  const reports: number[] = [];
  const again = new BatchingEmbedder({ model, cache, maxBatchSize: 8, maxWaitMs: 5, onBatch: (report) => reports.push(report.cacheHits) });
  await Promise.all(['a', 'b', 'c'].map((text) => again.embed(text)));
  assert.deepEqual(calls, [['a', 'b'], ['c']], 'only the new text reaches the model');
  assert.deepEqual(reports, [2]);
});

test('a text the model refuses fails only its own request; the rest of the batch is embedded', async () => {
  const { model } = fakeModel(20);
  const embedder = new BatchingEmbedder({ model, cache: memoryCache(), maxBatchSize: 8, maxWaitMs: 5 });
  const results = await Promise.allSettled(['short', 'x'.repeat(50), 'also short'].map((text) => embedder.embed(text)));
  assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal(((results[1] as PromiseRejectedResult).reason as EmbeddingError).code, 'input_too_long');
});

test('texts arriving while the model is busy wait for it and go in one batch, not many small ones', async () => {
  const calls: number[] = [];
  const slow: EmbeddingModel = {
    id: 'slow', version: '1', dimension: 2, maxTokens: 256, tokenizer: undefined,
    embed: async (texts) => {
      calls.push(texts.length);
      await new Promise((resolve) => setTimeout(resolve, 60));
      return texts.map(() => Float32Array.from([1, 0]));
    },
    close: () => Promise.resolve(),
  };
  const embedder = new BatchingEmbedder({ model: slow, cache: memoryCache(), maxBatchSize: 32, maxWaitMs: 5 });
  const first = embedder.embed('first');
  await new Promise((resolve) => setTimeout(resolve, 15));
  const later: Promise<Float32Array>[] = [];
  for (let index = 0; index < 20; index += 1) {
    later.push(embedder.embed(`later ${index}`));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all([first, ...later]);
  assert.deepEqual(calls, [1, 20]);
});

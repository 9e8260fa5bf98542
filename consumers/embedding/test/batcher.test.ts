import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddingError, type EmbeddingModel } from '@rivulet/embedding';
import { BatchingEmbedder } from '../src/index.js';
import { memoryCache } from './support/memory-cache.js';

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

test('concurrent requests are embedded in full batches: one model call per batch', async () => {
  const { model, calls } = fakeModel();
  const embedder = new BatchingEmbedder({ model, cache: memoryCache(), maxBatchSize: 32, maxWaitMs: 20 });
  const texts = Array.from({ length: 100 }, (_, index) => `text number ${index}`);
  const vectors = await Promise.all(texts.map((text) => embedder.embed(text)));
  assert.equal(vectors.length, 100);
  assert.deepEqual(calls.map((call) => call.length), [32, 32, 32, 4]);
  assert.equal(vectors[7]!.vector[0], texts[7]!.length, 'each caller gets its own vector');
  assert.deepEqual(vectors[7]!.model, { id: 'fake', version: '1', dimension: 4 }, 'and the model that made it');
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
  const later: Promise<unknown>[] = [];
  for (let index = 0; index < 20; index += 1) {
    later.push(embedder.embed(`later ${index}`));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all([first, ...later]);
  assert.deepEqual(calls, [1, 20]);
});

/** A model whose calls take `delayMs` and are recorded by text, to see which batch ran when. */
const recordingModel = (delayMs: number) => {
  const calls: string[][] = [];
  const model: EmbeddingModel = {
    id: 'recording', version: '1', dimension: 2, maxTokens: 256, tokenizer: undefined,
    embed: async (texts) => {
      calls.push([...texts]);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return texts.map(() => Float32Array.from([1, 0]));
    },
    close: () => Promise.resolve(),
  };
  return { model, calls };
};

test('a high-priority text jumps an ingestion backlog: it runs in the very next batch, alone', async () => {
  const { model, calls } = recordingModel(30);
  const embedder = new BatchingEmbedder({ model, cache: memoryCache(), maxBatchSize: 8, maxWaitMs: 5 });
  const backlog = Array.from({ length: 64 }, (_, index) => embedder.embed(`chunk ${index}`));
  await new Promise((resolve) => setTimeout(resolve, 10)); // the first bulk batch is running
  let queryDoneAfterBulkCalls = -1;
  const query = embedder.embed('what is rivulet?', { priority: 'high' }).then(() => (queryDoneAfterBulkCalls = calls.length));
  await Promise.all([...backlog, query]);
  assert.equal(calls.length, 9, '8 bulk batches and the query');
  assert.deepEqual(calls[1], ['what is rivulet?'], 'the query is the next batch after the one already running, on its own');
  assert.equal(queryDoneAfterBulkCalls, 2, 'answered before the other 7 bulk batches ran');
  // Without the lane the same query would have queued behind all 64 chunks: it is the control.
  const plain = recordingModel(30);
  const fifo = new BatchingEmbedder({ model: plain.model, cache: memoryCache(), maxBatchSize: 8, maxWaitMs: 5 });
  const fifoBacklog = Array.from({ length: 64 }, (_, index) => fifo.embed(`chunk ${index}`));
  await new Promise((resolve) => setTimeout(resolve, 10));
  await Promise.all([...fifoBacklog, fifo.embed('what is rivulet?')]);
  assert.ok(plain.calls.findIndex((call) => call.includes('what is rivulet?')) === 8, 'normal priority waits for the whole backlog');
});

test('queries waiting together share one batch; a stream of them slows bulk work down but never starves it', async () => {
  const { model, calls } = recordingModel(5);
  const embedder = new BatchingEmbedder({ model, cache: memoryCache(), maxBatchSize: 1, maxWaitMs: 1, maxHighBatchesInARow: 3 });
  const bulk = ['bulk 1', 'bulk 2'].map((text) => embedder.embed(text));
  const queries = Array.from({ length: 8 }, (_, index) => embedder.embed(`query ${index}`, { priority: 'high' }));
  await Promise.all([...bulk, ...queries]);
  // The first bulk text fills a batch of one and starts at once; then at most 3 query batches in a row while bulk waits.
  assert.deepEqual(calls.map(([text]) => text!.split(' ')[0]), ['bulk', 'query', 'query', 'query', 'bulk', 'query', 'query', 'query', 'query', 'query']);

  const together = recordingModel(20);
  const batched = new BatchingEmbedder({ model: together.model, cache: memoryCache(), maxBatchSize: 8, maxWaitMs: 5 });
  const backlog = Array.from({ length: 16 }, (_, index) => batched.embed(`chunk ${index}`));
  await new Promise((resolve) => setTimeout(resolve, 10));
  const asked = ['a?', 'b?', 'c?'].map((text) => batched.embed(text, { priority: 'high' }));
  await Promise.all([...backlog, ...asked]);
  assert.deepEqual(together.calls[1], ['a?', 'b?', 'c?']);
});

test('replaceModel: the running batch finishes with the old model, every later batch (waiting texts too) uses the new one, and the cache is keyed per model', async () => {
  const named = (id: string, delayMs: number) => {
    const calls: string[][] = [];
    const model: EmbeddingModel = {
      id, version: '1', dimension: 2, maxTokens: 256, tokenizer: undefined,
      embed: async (texts) => {
        calls.push([...texts]);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return texts.map(() => Float32Array.from(id === 'old' ? [1, 0] : [0, 1]));
      },
      close: () => Promise.resolve(),
    };
    return { model, calls };
  };
  const old = named('old', 40);
  const next = named('new', 1);
  const cache = memoryCache();
  const embedder = new BatchingEmbedder({ model: old.model, cache, maxBatchSize: 2, maxWaitMs: 1 });
  const running = [embedder.embed('a'), embedder.embed('b')];
  await new Promise((resolve) => setTimeout(resolve, 10));
  const waiting = embedder.embed('c');
  let replaced = false;
  const previous = embedder.replaceModel(next.model).then((model) => ((replaced = true), model));
  assert.equal(embedder.model, next.model, 'the next batch takes the new model at once');
  assert.equal(replaced, false, 'the old model is handed back only after its batch');
  const after = embedder.embed('a');
  const results = await Promise.all([...running, waiting, after]);
  assert.equal(await previous, old.model);
  assert.deepEqual(results.map((result) => result.model.id), ['old', 'old', 'new', 'new']);
  assert.deepEqual(results.map((result) => Array.from(result.vector)), [[1, 0], [1, 0], [0, 1], [0, 1]], 'each vector comes with the model that made it');
  assert.deepEqual(old.calls, [['a', 'b']]);
  assert.deepEqual(next.calls.flat().sort(), ['a', 'c'], "'a' again: the old model's cached vector is not the new model's");
  assert.ok(cache.store.has(embedder.keyFor('a', old.model)) && cache.store.has(embedder.keyFor('a', next.model)));
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { cosineSimilarity, loadOnnxEmbeddingModel, loadThreadedOnnxEmbeddingModel, type EmbeddingError } from '../src/index.js';
import { modelDirectory } from './support/reference.js';

const threaded = await loadThreadedOnnxEmbeddingModel({ modelDirectory, intraOpThreads: 2 });
after(() => threaded.close());

test('the model in a worker thread gives the same vectors as in the calling thread', async () => {
  const inline = await loadOnnxEmbeddingModel({ modelDirectory });
  const texts = ['A lighthouse warns ships of a reef.', 'Bees keep their brood warm.', 'x'];
  const [fromThread, fromInline] = await Promise.all([threaded.embed(texts), inline.embed(texts)]);
  fromThread.forEach((vector, index) => assert.ok(cosineSimilarity(vector, fromInline[index]!) > 0.99999));
  assert.equal(threaded.dimension, inline.dimension);
  assert.equal(threaded.version, inline.version);
  await inline.close();
});

test('the event loop keeps running while the threaded model computes', async () => {
  const texts = Array.from({ length: 32 }, (_, index) => `sentence number ${index} `.repeat(20));
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 5);
  const started = Date.now();
  await threaded.embed(texts);
  const elapsed = Date.now() - started;
  clearInterval(timer);
  assert.ok(elapsed > 30, `the batch took long enough to measure (${elapsed} ms)`);
  assert.ok(ticks >= Math.floor(elapsed / 5 / 4), `timers ran during the ${elapsed} ms batch (${ticks} ticks)`);
});

test('errors keep their code across the thread boundary', async () => {
  await assert.rejects(threaded.embed(['word '.repeat(400)]), (error: EmbeddingError) => error.code === 'input_too_long' && error.retriable === false);
});

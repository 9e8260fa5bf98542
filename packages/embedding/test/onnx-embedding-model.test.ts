import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cosineSimilarity, EmbeddingError, loadOnnxEmbeddingModel } from '../src/index.js';
import { modelDirectory, reference } from './support/reference.js';

const model = await loadOnnxEmbeddingModel({ modelDirectory });
after(() => model.close());

const isCode = (code: string) => (error: unknown) => error instanceof EmbeddingError && error.code === code;
const unitLength = (vector: Float32Array) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

test('the model describes itself: all-MiniLM-L6-v2, int8 file hash, 384 dimensions, 256 tokens', () => {
  assert.equal(model.id, 'sentence-transformers/all-MiniLM-L6-v2');
  assert.match(model.version, /^onnx-int8-[0-9a-f]{16}$/);
  assert.equal(model.version, 'onnx-int8-8199be6f699a395f');
  assert.equal(model.dimension, 384);
  assert.equal(model.maxTokens, 256);
  assert.ok(model.tokenizer);
});

test('vectors match sentence-transformers (PyTorch, fp32) and the same int8 file run from Python', async () => {
  const texts = reference.embeddings.map((entry) => entry.text);
  const vectors = await model.embed(texts);
  assert.equal(vectors.length, texts.length);
  vectors.forEach((vector, index) => {
    const expected = reference.embeddings[index]!;
    assert.equal(vector.length, 384);
    assert.ok(Math.abs(unitLength(vector) - 1) < 1e-5, 'L2-normalised');
    const canonical = cosineSimilarity(vector, Float32Array.from(expected.sentenceTransformers));
    const python = cosineSimilarity(vector, Float32Array.from(expected.onnxInt8));
    console.log(`cosine vs sentence-transformers ${canonical.toFixed(6)}, vs Python onnxruntime int8 ${python.toFixed(6)}: ${expected.text}`);
    assert.ok(canonical >= 0.99, `cosine ${canonical} against the PyTorch reference`);
    assert.ok(python >= 0.9999, `cosine ${python} against the same ONNX file run from Python`);
  });
});

test('a paraphrase scores clearly higher than an unrelated sentence', async () => {
  const [question, paraphrase, unrelated] = await model.embed([
    'How do I reset my password?',
    'What are the steps to change my login password?',
    'The recipe needs two cups of flour and a pinch of salt.',
  ]);
  const close = cosineSimilarity(question!, paraphrase!);
  const far = cosineSimilarity(question!, unrelated!);
  assert.ok(close > 0.6, `paraphrase cosine ${close}`);
  assert.ok(far < 0.2, `unrelated cosine ${far}`);
  assert.ok(close - far > 0.4, `paraphrase ${close} vs unrelated ${far}`);
});

test('a batch of mixed lengths gives the vectors each text gets alone (padding is masked)', async () => {
  const texts = ['Short.', 'A somewhat longer sentence about consumer groups and partition rebalancing in Kafka.', 'x '.repeat(200).trim(), 'Mid-length text, with punctuation; and an ending.'];
  const batch = await model.embed(texts);
  for (const [index, text] of texts.entries()) {
    const [alone] = await model.embed([text]);
    const cosine = cosineSimilarity(batch[index]!, alone!);
    assert.ok(cosine > 0.999, `text ${index}: batch vs alone cosine ${cosine}`);
  }
});

test('a text over maxTokens is refused with input_too_long, never truncated; exactly maxTokens passes', async () => {
  const fits = 'hello '.repeat(254).trim();
  assert.equal(model.tokenizer!.countTokens(fits), 256);
  const [vector] = await model.embed([fits]);
  assert.equal(vector!.length, 384);
  const tooLong = `${fits} hello`;
  await assert.rejects(model.embed([tooLong]), (error: unknown) => isCode('input_too_long')(error) && !(error as EmbeddingError).retriable);
  await assert.rejects(model.embed(['fine', tooLong]), (error: unknown) => isCode('input_too_long')(error) && /text 1 is 257 tokens/.test((error as Error).message));
});

test('an empty batch runs nothing; an aborted signal is refused', async () => {
  assert.deepEqual(await model.embed([]), []);
  await assert.rejects(model.embed(['text'], { signal: AbortSignal.abort() }), isCode('aborted'));
});

test('two intra-op threads give the same vectors as one', async () => {
  const twoThreads = await loadOnnxEmbeddingModel({ modelDirectory, intraOpThreads: 2, interOpThreads: 1 });
  try {
    const texts = reference.embeddings.map((entry) => entry.text);
    const [one, two] = [await model.embed(texts), await twoThreads.embed(texts)];
    one.forEach((vector, index) => assert.ok(cosineSimilarity(vector, two[index]!) > 0.9999));
  } finally {
    await twoThreads.close();
  }
});

test('bad options and missing files fail at load with codes', async () => {
  await assert.rejects(loadOnnxEmbeddingModel({ modelDirectory, intraOpThreads: 0 }), isCode('invalid_options'));
  await assert.rejects(loadOnnxEmbeddingModel({ modelDirectory, maxTokens: 1000 }), isCode('invalid_options'));
  await assert.rejects(loadOnnxEmbeddingModel({ modelDirectory: join(modelDirectory, 'missing') }), isCode('model_not_found'));
  if (!existsSync(join(modelDirectory, 'model-fp32.onnx'))) {
    await assert.rejects(loadOnnxEmbeddingModel({ modelDirectory, variant: 'fp32' }), isCode('model_not_found'));
  }
});

test('a smaller maxTokens is honoured; embed after close is refused', async () => {
  const short = await loadOnnxEmbeddingModel({ modelDirectory, maxTokens: 16 });
  assert.equal(short.maxTokens, 16);
  await assert.rejects(short.embed(['one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen']), isCode('input_too_long'));
  await short.close();
  await short.close();
  await assert.rejects(short.embed(['text']), isCode('closed'));
});

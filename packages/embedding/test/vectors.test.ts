import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cosineSimilarity, EmbeddingError } from '../src/index.js';

test('cosineSimilarity: 1 for the same direction, 0 for orthogonal, -1 for opposite, 0 against a zero vector', () => {
  const a = Float32Array.from([1, 2, 3]);
  assert.ok(Math.abs(cosineSimilarity(a, Float32Array.from([2, 4, 6])) - 1) < 1e-9);
  assert.equal(cosineSimilarity(Float32Array.from([1, 0]), Float32Array.from([0, 5])), 0);
  assert.ok(Math.abs(cosineSimilarity(a, Float32Array.from([-1, -2, -3])) + 1) < 1e-9);
  assert.equal(cosineSimilarity(a, new Float32Array(3)), 0);
});

test('cosineSimilarity refuses vectors of different lengths', () => {
  assert.throws(() => cosineSimilarity(new Float32Array(3), new Float32Array(4)), (error: unknown) => error instanceof EmbeddingError && error.code === 'invalid_options');
});

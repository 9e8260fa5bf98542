import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddingError, modelSpecName, parseModelName, parseModelSpec } from '../src/index.js';

const code = (expected: string) => (error: unknown) => error instanceof EmbeddingError && error.code === expected;

test('catalogue names become specs without paths or secrets, and back', () => {
  assert.deepEqual(parseModelName('all-minilm-l6-v2'), { provider: 'onnx', model: 'all-minilm-l6-v2', variant: 'int8' });
  assert.deepEqual(parseModelName('all-minilm-l6-v2:fp32'), { provider: 'onnx', model: 'all-minilm-l6-v2', variant: 'fp32' });
  const remote = parseModelName('openai:text-embedding-3-small', { dimension: 1536, baseUrl: 'https://api.openai.com/v1/' });
  assert.deepEqual(remote, { provider: 'openai-compatible', model: 'text-embedding-3-small', dimension: 1536, baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'EMBEDDING_OPENAI_API_KEY' });
  assert.equal(modelSpecName(remote), 'openai:text-embedding-3-small');
  assert.equal(modelSpecName(parseModelName('all-minilm-l6-v2:int8')), 'all-minilm-l6-v2');
  assert.deepEqual(parseModelSpec(JSON.parse(JSON.stringify(remote))), remote, 'what the database gives back');
});

test('unknown names, and remote models without a dimension or base URL, are refused with a code', () => {
  assert.throws(() => parseModelName('bge-small'), code('unknown_model'));
  assert.throws(() => parseModelName('openai:'), code('unknown_model'));
  assert.throws(() => parseModelName('openai:x', { baseUrl: 'http://127.0.0.1:1/v1' }), code('invalid_options'));
  assert.throws(() => parseModelName('openai:x', { dimension: 8 }), code('invalid_options'));
  assert.throws(() => parseModelName('openai:x', { dimension: 8, baseUrl: 'ftp://x' }), code('invalid_options'));
  assert.throws(() => parseModelName('openai:x', { dimension: 8, baseUrl: 'http://x/v1', apiKeyEnv: 'not a name' }), code('invalid_options'));
  assert.throws(() => parseModelSpec({ provider: 'onnx', model: '/etc/passwd', variant: 'int8' }), code('invalid_options'));
});

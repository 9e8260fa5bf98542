import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddingError, loadModelFromSpec, modelSpecName, parseModelName, parseModelSpec, probeModel } from '../src/index.js';

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

test('a key variable must be named *_API_KEY, a base URL carries no credentials, query or fragment, and an unset key is refused at load', async () => {
  const base = { dimension: 8, baseUrl: 'http://127.0.0.1:1/v1' };
  assert.throws(() => parseModelName('openai:x', { ...base, apiKeyEnv: 'DATABASE_URL' }), code('invalid_options'), 'never another secret as a bearer token');
  assert.doesNotThrow(() => parseModelName('openai:x', { ...base, apiKeyEnv: 'OTHER_PROVIDER_API_KEY' }));
  assert.throws(() => parseModelSpec({ provider: 'openai-compatible', model: 'x', dimension: 8, baseUrl: 'http://x/v1', apiKeyEnv: 'REDIS_URL' }), code('invalid_options'));
  for (const baseUrl of ['http://user:pass@x/v1', 'http://x/v1?key=1', 'http://x/v1#frag']) {
    assert.throws(() => parseModelName('openai:x', { dimension: 8, baseUrl }), code('invalid_options'), baseUrl);
  }
  const spec = parseModelName('openai:x', base);
  for (const value of [undefined, '', '  ']) {
    await assert.rejects(loadModelFromSpec(spec, { localModelDirectory: () => '/nowhere', secret: () => value }), code('missing_api_key'));
  }
});

test('the probe embeds one text and checks its length', async () => {
  const fake = (length: number, fail = false) => ({
    id: 'm', version: 'v', dimension: 4, maxTokens: 8, tokenizer: undefined, close: () => Promise.resolve(),
    embed: (texts: readonly string[]) => (fail ? Promise.reject(new EmbeddingError({ code: 'unauthorized', message: '401' })) : Promise.resolve(texts.map(() => new Float32Array(length)))),
  });
  await probeModel(fake(4));
  await assert.rejects(probeModel(fake(3)), code('probe_failed'));
  await assert.rejects(probeModel(fake(4), { dimension: 8 }), code('probe_failed'));
  await assert.rejects(probeModel(fake(4, true)), (error: unknown) => code('probe_failed')(error) && ((error as Error).cause as EmbeddingError).code === 'unauthorized');
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFakeAnthropic } from '@rivulet/fake-providers';
import { createAnthropicChatModel } from '../src/index.js';
import { remoteContract } from './support/remote-contract.js';
import { collect, question } from './support/streams.js';

remoteContract({
  provider: 'anthropic',
  start: (apiKey) => startFakeAnthropic({ apiKey }),
  create: ({ baseURL, apiKey, firstTokenTimeoutMs, idleTimeoutMs }) =>
    createAnthropicChatModel({ baseURL, apiKey, model: 'claude-haiku-4-5', contextTokens: 200_000, firstTokenTimeoutMs, idleTimeoutMs }),
  overloadedStatus: 529,
});

const server = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
after(() => server.close());
const options = { baseURL: server.url, apiKey: 'sk-ant-test', model: 'claude-haiku-4-5', contextTokens: 200_000, firstTokenTimeoutMs: 5_000, idleTimeoutMs: 5_000 };

test('the request is the Messages wire format: the key, anthropic-version, system as a parameter, max_tokens, stream', async () => {
  server.reset();
  await collect(createAnthropicChatModel(options), { messages: [...question, { role: 'system', content: 'Cite sources.' }], maxOutputTokens: 64, temperature: 0 });
  const [request] = server.requests;
  assert.equal(request!.path, '/v1/messages');
  // @anthropic-ai/sdk 1.x sends the key as a bearer token; older versions used x-api-key.
  assert.ok(request!.headers['x-api-key'] === 'sk-ant-test' || request!.headers.authorization === 'Bearer sk-ant-test');
  assert.equal(typeof request!.headers['anthropic-version'], 'string');
  assert.deepEqual(request!.body, {
    model: 'claude-haiku-4-5',
    max_tokens: 64,
    system: 'You answer in one sentence.\n\nCite sources.',
    messages: [{ role: 'user', content: 'What is Kafka?' }],
    stream: true,
    temperature: 0,
  });
});

test('max_tokens defaults to defaultMaxOutputTokens (the API requires it)', async () => {
  server.reset();
  await collect(createAnthropicChatModel(options), { messages: question });
  assert.equal((server.requests[0]!.body as { max_tokens: number }).max_tokens, 1024);
  server.reset();
  await collect(createAnthropicChatModel({ ...options, defaultMaxOutputTokens: 77 }), { messages: question });
  assert.equal((server.requests[0]!.body as { max_tokens: number }).max_tokens, 77);
});

test('bad options fail at construction', () => {
  assert.throws(() => createAnthropicChatModel({ ...options, apiKey: '' }), /apiKey is required/);
  assert.throws(() => createAnthropicChatModel({ ...options, contextTokens: 1.5 }), /contextTokens/);
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFakeOpenAI } from '@rivulet/fake-providers';
import { createOpenAIChatModel, estimateTokens } from '../src/index.js';
import { remoteContract } from './support/remote-contract.js';
import { collect, question } from './support/streams.js';

remoteContract({
  provider: 'openai',
  start: (apiKey) => startFakeOpenAI({ apiKey }),
  create: ({ baseURL, apiKey, firstTokenTimeoutMs, idleTimeoutMs }) =>
    createOpenAIChatModel({ baseURL, apiKey, model: 'gpt-4o-mini', contextTokens: 128_000, firstTokenTimeoutMs, idleTimeoutMs }),
  overloadedStatus: 503,
});

// An OpenAI-compatible server without keys (Ollama, llama.cpp server).
const compatible = await startFakeOpenAI();
after(() => compatible.close());

test('the request is the Chat Completions wire format: bearer key, stream with include_usage, max_completion_tokens, temperature', async () => {
  const server = await startFakeOpenAI({ apiKey: 'sk-test' });
  try {
    const model = createOpenAIChatModel({ baseURL: server.url, apiKey: 'sk-test', model: 'gpt-4o-mini', contextTokens: 128_000, firstTokenTimeoutMs: 5_000, idleTimeoutMs: 5_000 });
    await collect(model, { messages: question, maxOutputTokens: 64, temperature: 0.2 });
    const [request] = server.requests;
    assert.equal(request!.path, '/v1/chat/completions');
    assert.equal(request!.headers.authorization, 'Bearer sk-test');
    assert.deepEqual(request!.body, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'You answer in one sentence.' }, { role: 'user', content: 'What is Kafka?' }],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 64,
      temperature: 0.2,
    });
  } finally {
    await server.close();
  }
});

test('openai-compatible: no key needed, max_tokens instead of max_completion_tokens, provider named so', async () => {
  const model = createOpenAIChatModel({ provider: 'openai-compatible', baseURL: compatible.url, model: 'llama3.2', contextTokens: 8192, firstTokenTimeoutMs: 5_000, idleTimeoutMs: 5_000 });
  assert.equal(model.provider, 'openai-compatible');
  assert.equal(model.model, 'llama3.2');
  const { text, end } = await collect(model, { messages: question, maxOutputTokens: 3 });
  assert.equal(text, 'Hello from the');
  assert.equal(end?.finishReason, 'length');
  const body = compatible.requests[0]!.body as Record<string, unknown>;
  assert.equal(body.max_tokens, 3);
  assert.equal('max_completion_tokens' in body, false);
  assert.equal(compatible.requests[0]!.headers.authorization, undefined);
});

test('countTokens counts with the o200k BPE tokenizer (not characters); contextTokens is as configured', () => {
  const model = createOpenAIChatModel({ provider: 'openai-compatible', baseURL: compatible.url, model: 'm', contextTokens: 8192, firstTokenTimeoutMs: 1, idleTimeoutMs: 1 });
  assert.equal(model.countTokens('hello world'), 2);
  assert.equal(model.countTokens('Rivulet is an event-driven AI backend.'), 10);
  assert.equal(model.countTokens(''), 0);
  assert.equal(estimateTokens('a'.repeat(400)), 100, 'the rough estimate stays for streams without usage');
  assert.ok(model.countTokens('a document quoting <|endoftext|> and <|im_start|>') > 5, 'special-token text is counted as text, not refused');
  assert.equal(model.contextTokens, 8192);
});

test('bad options fail at construction', () => {
  const valid = { baseURL: compatible.url, apiKey: 'k', model: 'm', contextTokens: 10, firstTokenTimeoutMs: 10, idleTimeoutMs: 10 };
  assert.throws(() => createOpenAIChatModel({ ...valid, apiKey: undefined }), /apiKey is required/);
  assert.throws(() => createOpenAIChatModel({ ...valid, model: '' }), /model is required/);
  assert.throws(() => createOpenAIChatModel({ ...valid, idleTimeoutMs: 0 }), /idleTimeoutMs/);
  assert.throws(() => createOpenAIChatModel({ ...valid, baseURL: 'not a url' }), /baseURL/);
});

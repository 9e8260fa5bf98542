// What both remote adapters share through remoteChatModel: the model's identity, BPE token counts,
// and no request at all once the model is closed.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFakeAnthropic, startFakeOpenAI } from '@rivulet/fake-providers';
import { countBpeTokens, createAnthropicChatModel, createOpenAIChatModel, ProviderError } from '../src/index.js';
import { drain, question } from './support/streams.js';

const timeouts = { firstTokenTimeoutMs: 5_000, idleTimeoutMs: 5_000 };
const openai = await startFakeOpenAI({ apiKey: 'sk-test' });
const anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
after(() => Promise.all([anthropic.close(), openai.close()]));

const adapters = [
  { server: anthropic, create: () => createAnthropicChatModel({ baseURL: anthropic.url, apiKey: 'sk-ant-test', model: 'claude-haiku-4-5', contextTokens: 200_000, ...timeouts }) },
  { server: openai, create: () => createOpenAIChatModel({ baseURL: openai.url, apiKey: 'sk-test', model: 'gpt-4o-mini', contextTokens: 128_000, ...timeouts }) },
];

for (const { server, create } of adapters) {
  const model = create();

  // Streaming itself is each adapter's remoteContract (its own test file, one SDK per process).
  await test(`${model.provider}: names its provider, model and context, counts tokens with the BPE estimate`, () => {
    assert.deepEqual([model.provider, model.model, model.contextTokens], server === anthropic ? ['anthropic', 'claude-haiku-4-5', 200_000] : ['openai', 'gpt-4o-mini', 128_000]);
    assert.equal(model.countTokens('What is Kafka, and why is it a log?'), countBpeTokens('What is Kafka, and why is it a log?'));
  });

  await test(`${model.provider}: after close, a stream fails at once with a non-retriable internal error and sends nothing`, async () => {
    await model.close();
    server.reset();
    const error = await drain(model.stream({ messages: question, signal: new AbortController().signal }));
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.code, 'internal');
    assert.equal(error.message, `${model.provider}: stream after close`);
    assert.equal(server.requests.length, 0);
  });
}

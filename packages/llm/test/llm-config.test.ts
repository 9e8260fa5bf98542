import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { baseVariables, ConfigError, defineConfig, describeVariable, loadConfig, type Environment } from '@rivulet/config';
import { startFakeAnthropic, startFakeOpenAI } from '@rivulet/fake-providers';
import { createChatModelFromConfig, llmVariables } from '../src/index.js';
import { collect, question } from './support/streams.js';

const schema = defineConfig({ ...baseVariables({ processName: 'generation' }), ...llmVariables });
const load = (environment: Environment) => loadConfig(schema, environment);
const openai = await startFakeOpenAI({ apiKey: 'sk-config', reply: 'from openai' });
const anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-config', reply: 'from anthropic' });
after(() => Promise.all([openai.close(), anthropic.close()]));

test('defaults: the local provider, 30 s to the first token, 15 s idle; keys are secrets', () => {
  const config = load({});
  assert.equal(config.CHAT_PROVIDER, 'local');
  assert.equal(config.CHAT_FIRST_TOKEN_TIMEOUT_MS, 30_000);
  assert.equal(config.CHAT_IDLE_TIMEOUT_MS, 15_000);
  assert.equal(config.CHAT_LOCAL_MODEL_PATH, undefined);
  for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'] as const) assert.equal(describeVariable(llmVariables[name])?.secret, true, name);
  assert.equal(describeVariable(llmVariables.CHAT_MODEL)?.secret, false);
  assert.throws(() => load({ CHAT_PROVIDER: 'gemini' }), /CHAT_PROVIDER/);
  assert.throws(() => load({ OPENAI_BASE_URL: 'not a url' }), /OPENAI_BASE_URL/);
});

test('a remote provider without its variables is a ConfigError naming each one', async () => {
  await assert.rejects(createChatModelFromConfig(load({ CHAT_PROVIDER: 'openai' })), (error: unknown) =>
    error instanceof ConfigError && error.issues.map((issue) => issue.variable).join() === 'CHAT_MODEL,OPENAI_API_KEY');
  await assert.rejects(createChatModelFromConfig(load({ CHAT_PROVIDER: 'anthropic', CHAT_MODEL: 'claude-haiku-4-5' })), /ANTHROPIC_API_KEY/);
  await assert.rejects(createChatModelFromConfig(load({ CHAT_PROVIDER: 'openai-compatible', CHAT_MODEL: 'llama3.2' })), /OPENAI_BASE_URL/);
});

test('openai, openai-compatible and anthropic models are built from the variables and stream', async () => {
  const cases: [Environment, string, string, number][] = [
    [{ CHAT_PROVIDER: 'openai', CHAT_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: 'sk-config', OPENAI_BASE_URL: openai.url }, 'openai', 'from openai', 128_000],
    [{ CHAT_PROVIDER: 'openai-compatible', CHAT_MODEL: 'llama3.2', OPENAI_API_KEY: 'sk-config', OPENAI_BASE_URL: openai.url, CHAT_CONTEXT_TOKENS: '32768' }, 'openai-compatible', 'from openai', 32_768],
    [{ CHAT_PROVIDER: 'anthropic', CHAT_MODEL: 'claude-haiku-4-5', ANTHROPIC_API_KEY: 'sk-ant-config', ANTHROPIC_BASE_URL: anthropic.url }, 'anthropic', 'from anthropic', 200_000],
  ];
  for (const [environment, provider, reply, contextTokens] of cases) {
    const model = await createChatModelFromConfig(load(environment));
    assert.equal(model.provider, provider);
    assert.equal(model.model, environment.CHAT_MODEL);
    assert.equal(model.contextTokens, contextTokens);
    assert.equal((await collect(model, { messages: question })).text, reply);
    await model.close();
  }
});

test('local loads the GGUF at CHAT_LOCAL_MODEL_PATH (or under RIVULET_HOME), named by CHAT_MODEL when set', async () => {
  // RIVULET_HOME as the test run has it (npm test's infra up fills <RIVULET_HOME>/models).
  const model = await createChatModelFromConfig(load({ RIVULET_HOME: process.env.RIVULET_HOME, CHAT_MODEL: 'rivulet-local', CHAT_CONTEXT_TOKENS: '1024', CHAT_LOCAL_THREADS: '2' }));
  try {
    assert.equal(model.provider, 'local');
    assert.equal(model.model, 'rivulet-local');
    assert.equal(model.contextTokens, 1024);
  } finally {
    await model.close();
  }
  await assert.rejects(createChatModelFromConfig(load({ CHAT_LOCAL_MODEL_PATH: '/nonexistent/model.gguf' })), /no model file at \/nonexistent\/model\.gguf/);
});

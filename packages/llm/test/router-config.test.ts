import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { baseVariables, ConfigError, defineConfig, loadConfig, type Environment } from '@rivulet/config';
import { startFakeOpenAI } from '@rivulet/fake-providers';
import { createModelRouter, llmVariables, loadRouterConfig, parseRouterConfig, routerConfigFromSingleProvider, RouterConfigError, usesLocalModel } from '../src/index.js';
import { question, route } from './support/router.js';

const example = {
  defaultModel: 'fast',
  models: {
    fast: { deployments: [
      { name: 'openai-mini', provider: 'openai', model: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY', baseUrl: 'https://api.openai.com/v1', weight: 1, priority: 0, contextTokens: 128000, price: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
      { name: 'claude-haiku', provider: 'anthropic', model: 'claude-haiku-4-5', apiKeyEnv: 'ANTHROPIC_API_KEY', priority: 1 },
      { name: 'local', provider: 'local', priority: 2 },
    ] },
    smart: { deployments: [{ name: 'vllm', provider: 'openai-compatible', model: 'qwen', baseUrl: 'http://127.0.0.1:8000/v1' }] },
  },
  auto: { cheap: 'fast', strong: 'smart', complexQuestionTokens: 200, budgetReserveRatio: 0.2, strongTiers: ['pro', 'enterprise'] },
};
const env = { OPENAI_API_KEY: 'sk-openai', ANTHROPIC_API_KEY: 'sk-ant' };
const issuesOf = (json: unknown, environment: Environment = env): string[] => {
  try {
    parseRouterConfig(json, { env: environment });
  } catch (error) {
    assert.ok(error instanceof RouterConfigError, String(error));
    assert.equal(error.code, 'invalid_config');
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  return [];
};
const withDeployment = (deployment: Record<string, unknown>) => ({ defaultModel: 'fast', models: { fast: { deployments: [deployment] } } });

test('the documented example parses, with defaults filled in and keys resolved from env (kept out of JSON)', () => {
  const config = parseRouterConfig(example, { env });
  assert.deepEqual(config.timeouts, { connectMs: 5000, firstTokenMs: 30000, idleMs: 15000 });
  assert.deepEqual(config.breaker, { windowMs: 60000, minRequests: 5, failureRatio: 0.5, cooldownMs: 30000 });
  assert.deepEqual(config.retry, { maxRetryAfterMs: 10000 });
  assert.deepEqual(config.healthCheck, { intervalMs: 10000, timeoutMs: 5000 });
  const [, haiku, local] = config.models.fast!.deployments;
  assert.deepEqual(haiku, { name: 'claude-haiku', routerModel: 'fast', provider: 'anthropic', model: 'claude-haiku-4-5', apiKeyEnv: 'ANTHROPIC_API_KEY', baseUrl: undefined, weight: 1, priority: 1, contextTokens: 200000, price: undefined, maxConcurrent: undefined });
  assert.equal(local?.contextTokens, undefined);
  assert.equal(config.apiKeys.get('openai-mini'), 'sk-openai');
  assert.ok(!JSON.stringify(config).includes('sk-'), 'keys do not show when the config is logged');
  assert.equal(usesLocalModel(config), true);
  assert.throws(() => createModelRouter({ config }), /provider local needs the local model/);
});

test('bad values are reported by their path in the file, all at once', () => {
  const bad = structuredClone(example) as { models: { fast: { deployments: Record<string, unknown>[] } } };
  bad.models.fast.deployments[1]!.provider = 'gemini';
  bad.models.fast.deployments[0]!.wieght = 2;
  bad.models.fast.deployments[0]!.weight = -1;
  assert.deepEqual(issuesOf(bad), [
    'models.fast.deployments[0].weight: expected number to be >0; found -1',
    'models.fast.deployments[0].wieght: unknown key',
    'models.fast.deployments[1].provider: expected one of openai, anthropic, openai-compatible, local; found "gemini"',
  ]);
  assert.deepEqual(issuesOf({ models: {} }), ['defaultModel: required (string)']);
  assert.deepEqual(issuesOf({ ...example, timeouts: { connectMs: 'soon' } }), ['timeouts.connectMs: expected number; found "soon"']);
  assert.deepEqual(issuesOf({ ...example, models: { ...example.models, 'no spaces': example.models.smart } }), [
    'models.no spaces: bad name: expected 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  ]);
});

test('what each provider requires, references between sections, unique names', () => {
  assert.deepEqual(issuesOf(withDeployment({ name: 'x', provider: 'openai-compatible', model: 'm' })), ['models.fast.deployments[0].baseUrl: required with provider openai-compatible']);
  assert.deepEqual(issuesOf(withDeployment({ name: 'x', provider: 'anthropic' })), [
    'models.fast.deployments[0].model: required with provider anthropic',
    'models.fast.deployments[0].apiKeyEnv: required with provider anthropic',
  ]);
  assert.deepEqual(issuesOf(withDeployment({ name: 'x', provider: 'openai-compatible', model: 'm', baseUrl: 'ftp://host' })), ['models.fast.deployments[0].baseUrl: expected an http or https URL; found "ftp://host"']);
  assert.deepEqual(issuesOf({ ...example, defaultModel: 'medium', auto: { cheap: 'fast', strong: 'huge' } }), [
    'defaultModel: expected one of the models (fast, smart), found "medium"',
    'auto.strong: expected one of the models (fast, smart), found "huge"',
  ]);
  const twice = { defaultModel: 'fast', models: { fast: { deployments: [{ name: 'l', provider: 'local' }] }, smart: { deployments: [{ name: 'l', provider: 'local' }] } } };
  assert.match(issuesOf(twice).join('\n'), /^models\.smart\.deployments\[0\]\.name: deployment name "l" is used twice/);
});

test('a variable named by apiKeyEnv that is not set is an error naming it; keys never come from the file', () => {
  assert.deepEqual(issuesOf(example, { OPENAI_API_KEY: 'sk' }), ['models.fast.deployments[1].apiKeyEnv: environment variable ANTHROPIC_API_KEY is not set']);
  assert.deepEqual(issuesOf(withDeployment({ name: 'x', provider: 'openai', model: 'm', apiKeyEnv: 'K', apiKey: 'sk-inline' }), { K: 'k' }), ['models.fast.deployments[0].apiKey: unknown key']);
});

test('loadRouterConfig reads a file; unreadable files and bad JSON name the file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'router-config-'));
  try {
    const path = join(directory, 'router.json');
    await writeFile(path, JSON.stringify(example));
    assert.equal((await loadRouterConfig({ path, env })).defaultModel, 'fast');
    await writeFile(path, '{ "defaultModel": ');
    await assert.rejects(loadRouterConfig({ path, env }), (error: unknown) => error instanceof RouterConfigError && error.message.includes(path) && /\(file\): not valid JSON/.test(error.message));
    await assert.rejects(loadRouterConfig({ path: join(directory, 'absent.json'), env }), /\(file\): cannot be read/);
    assert.equal((await loadRouterConfig({ json: JSON.stringify(example), env })).auto?.strong, 'smart');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('routerConfigFromSingleProvider: the CHAT_PROVIDER variables become one deployment that streams', async () => {
  const schema = defineConfig({ ...baseVariables({ processName: 'generation' }), ...llmVariables });
  const server = await startFakeOpenAI({ apiKey: 'sk-single', reply: 'single' });
  try {
    const config = routerConfigFromSingleProvider(loadConfig(schema, { CHAT_PROVIDER: 'openai', CHAT_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: 'sk-single', OPENAI_BASE_URL: server.url, CHAT_FIRST_TOKEN_TIMEOUT_MS: '2000' }));
    assert.deepEqual(Object.keys(config.models), ['default']);
    assert.deepEqual(config.timeouts, { connectMs: 2000, firstTokenMs: 2000, idleMs: 15000 });
    const { text, end } = await route(createModelRouter({ config }).stream({ messages: question, signal: new AbortController().signal }));
    assert.equal(text, 'single');
    assert.deepEqual([end?.deployment, end?.model, end?.provider], ['openai', 'gpt-4o-mini', 'openai']);
  } finally {
    await server.close();
  }
  const local = routerConfigFromSingleProvider(loadConfig(schema, {}));
  assert.equal(usesLocalModel(local), true);
  assert.throws(() => routerConfigFromSingleProvider(loadConfig(schema, { CHAT_PROVIDER: 'anthropic' })), (error: unknown) =>
    error instanceof ConfigError && error.issues.map((issue) => issue.variable).join() === 'CHAT_MODEL,ANTHROPIC_API_KEY');
});

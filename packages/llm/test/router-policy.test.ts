// The pure parts of routing: `auto`, the order of deployments, the continuation prompt.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseAutoModel, CONTINUE_INSTRUCTION, continuationOf, createModelRouter, orderDeployments, parseRouterConfig, type AutoPolicyConfig, type RouterDeployment } from '../src/index.js';

const policy: AutoPolicyConfig = { cheap: 'fast', strong: 'smart', complexQuestionTokens: 200, budgetReserveRatio: 0.2, strongTiers: ['pro', 'enterprise'] };
const facts = { questionTokens: 20, tenantTier: 'free', budgetRemainingRatio: 0.9 };

test('auto: cheap for a short question; strong for a long one or a strong tier; cheap whenever the budget is in its reserve', () => {
  assert.deepEqual(chooseAutoModel(policy, facts), { model: 'fast', reason: 'simple_question' });
  assert.deepEqual(chooseAutoModel(policy, { ...facts, questionTokens: 200 }), { model: 'smart', reason: 'complex_question' });
  assert.deepEqual(chooseAutoModel(policy, { ...facts, questionTokens: 199 }), { model: 'fast', reason: 'simple_question' });
  assert.deepEqual(chooseAutoModel(policy, { ...facts, tenantTier: 'pro' }), { model: 'smart', reason: 'strong_tier' });
  assert.deepEqual(chooseAutoModel(policy, { ...facts, tenantTier: 'pro', questionTokens: 900, budgetRemainingRatio: 0.1 }), { model: 'fast', reason: 'budget_reserve' });
  assert.deepEqual(chooseAutoModel(policy, { ...facts, budgetRemainingRatio: 0.2 }), { model: 'fast', reason: 'simple_question' }, 'at the reserve is not below it');
  assert.deepEqual(chooseAutoModel(policy, { ...facts, tenantTier: null, budgetRemainingRatio: null, questionTokens: 500 }), { model: 'smart', reason: 'complex_question' });
});

test('the router resolves auto from the last user message (or autoContext) and says why', () => {
  const deployment = (name: string) => ({ name, provider: 'openai-compatible', model: name, baseUrl: 'http://127.0.0.1:9/v1' });
  const config = parseRouterConfig({ defaultModel: 'fast', models: { fast: { deployments: [deployment('f')] }, smart: { deployments: [deployment('s')] } }, auto: { cheap: 'fast', strong: 'smart', complexQuestionTokens: 10 } }, { env: {} });
  const router = createModelRouter({ config });
  const long = [{ role: 'user', content: 'x'.repeat(40) }] as const;
  assert.deepEqual(router.resolveModel({ model: 'auto', messages: long }), { model: 'smart', auto: { model: 'smart', reason: 'complex_question' } });
  assert.equal(router.resolveModel({ model: 'auto', messages: long, autoContext: { questionTokens: 3 } }).model, 'fast');
  assert.equal(router.resolveModel({ model: 'auto', messages: long, autoContext: { budgetRemainingRatio: 0 } }).model, 'fast');
  assert.equal(router.resolveModel({ messages: long }).model, 'fast');
  assert.equal(router.resolveModel({ model: 'smart', messages: long }).model, 'smart');
  assert.equal(router.contextTokens('fast'), 8192);
});

const deployment = (name: string, priority: number, weight = 1): RouterDeployment =>
  ({ name, routerModel: 'chat', provider: 'openai', model: name, apiKeyEnv: 'K', baseUrl: undefined, weight, priority, contextTokens: 1000, price: undefined, maxConcurrent: undefined });

test('order: lower priority first; within a priority, drawn by weight with the injected random source', () => {
  const deployments = [deployment('fallback', 1), deployment('light', 0, 1), deployment('heavy', 0, 3)];
  const names = (random: () => number) => orderDeployments(deployments, random).map((item) => item.name);
  // Weights 1 and 3 over [0, 4): a draw below 1/4 picks light, above it heavy.
  assert.deepEqual(names(() => 0.1), ['light', 'heavy', 'fallback']);
  assert.deepEqual(names(() => 0.5), ['heavy', 'light', 'fallback']);
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const first = Array.from({ length: 4000 }, () => names(random)[0]);
  const heavyShare = first.filter((name) => name === 'heavy').length / first.length;
  assert.ok(heavyShare > 0.7 && heavyShare < 0.8, `heavy first ${heavyShare}`);
});

test('continuation: original messages without a partial answer; an instruction after it, except Anthropic prefill', () => {
  const messages = [{ role: 'user', content: 'Q' }] as const;
  assert.deepEqual(continuationOf(messages, '', 'openai'), { messages, stripLeadingWhitespace: false });
  assert.deepEqual(continuationOf(messages, 'Part', 'openai').messages, [...messages, { role: 'assistant', content: 'Part' }, { role: 'user', content: CONTINUE_INSTRUCTION }]);
  assert.deepEqual(continuationOf(messages, 'Part \n', 'anthropic'), { messages: [...messages, { role: 'assistant', content: 'Part' }], stripLeadingWhitespace: true });
  assert.deepEqual(continuationOf(messages, '  ', 'local'), { messages, stripLeadingWhitespace: true });
});

// Circuit breakers in the router and their recovery by the health check, against fake providers over HTTP.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFakeAnthropic, startFakeOpenAI } from '@rivulet/fake-providers';
import { waitFor } from '@rivulet/testing';
import { createHealthCheck, createMemoryBreakerStore, createModelRouter, type BreakerStore } from '../src/index.js';
import { anthropicOn, chatConfig, openaiOn, question, recordingObserver, route } from './support/router.js';

const openai = await startFakeOpenAI();
const anthropic = await startFakeAnthropic({ reply: 'From the fallback.' });
after(() => Promise.all([openai.close(), anthropic.close()]));
const signal = () => new AbortController().signal;
const breaker = { windowMs: 60_000, minRequests: 3, failureRatio: 0.5, cooldownMs: 30_000 };

test('the breaker opens after the threshold, the open deployment is skipped, the health check closes it once the provider is back', async () => {
  openai.reset();
  openai.setBehaviour({ fail: { status: 500 } });
  const { observer, seen } = recordingObserver();
  const router = createModelRouter({ config: chatConfig([openaiOn('primary', openai), anthropicOn('fallback', anthropic)], { breaker }), observer });
  for (let index = 0; index < 3; index += 1) assert.equal((await route(router.stream({ messages: question, signal: signal() }))).text, 'From the fallback.');
  assert.deepEqual(seen.breakers, ['primary:open']);
  assert.equal((await router.breakers.state('primary', Date.now())).state, 'open');

  const skipped = await route(router.stream({ messages: question, signal: signal() }));
  assert.deepEqual(skipped.failovers, [{ from: 'primary', to: 'fallback', reason: 'circuit_open', afterOutput: false }]);
  assert.equal(openai.requests.length, 3, 'no request to an open deployment');

  const healthCheck = createHealthCheck({ router });
  const [stillDown] = await healthCheck.runOnce();
  assert.equal(stillDown?.ok, false);
  assert.equal((await router.breakers.state('primary', Date.now())).state, 'open');

  openai.setBehaviour({ reply: 'Primary is back.' });
  openai.reset();
  assert.deepEqual((await healthCheck.runOnce()).map((probe) => [probe.deployment, probe.ok]), [['primary', true]]);
  const probe = openai.requests[0]!.body as { messages: unknown; max_completion_tokens: number };
  assert.deepEqual(probe.messages, [{ role: 'user', content: 'ping' }]);
  assert.equal(probe.max_completion_tokens, 1);
  assert.deepEqual(seen.breakers, ['primary:open', 'primary:closed']);

  const served = await route(router.stream({ messages: question, signal: signal() }));
  assert.equal(served.text, 'Primary is back.');
  assert.equal(served.end?.deployment, 'primary');
  assert.deepEqual(await healthCheck.runOnce(), [], 'nothing to probe when every breaker is closed');
});

test('the health check loop (start/stop) recovers an open deployment on its own', async () => {
  openai.reset();
  openai.setBehaviour({ reply: 'ok' });
  const breakers = createMemoryBreakerStore(breaker);
  const router = createModelRouter({ config: chatConfig([openaiOn('primary', openai)], { breaker, healthCheck: { intervalMs: 20, timeoutMs: 500 } }), breakers });
  for (let index = 0; index < 3; index += 1) await breakers.record('primary', 'failure', Date.now());
  const healthCheck = createHealthCheck({ router });
  healthCheck.start();
  try {
    await waitFor(async () => (await breakers.state('primary', Date.now())).state === 'closed', { description: 'the breaker to close', timeoutMs: 2_000, intervalMs: 10 });
  } finally {
    await healthCheck.stop();
  }
});

test('half-open after the cooldown: one request is let through as the probe, and its success closes the breaker', async () => {
  openai.reset();
  openai.setBehaviour({ reply: 'probe ok' });
  let clock = 1_000_000;
  const breakers = createMemoryBreakerStore(breaker);
  const router = createModelRouter({ config: chatConfig([openaiOn('primary', openai), anthropicOn('fallback', anthropic)], { breaker }), breakers, now: () => clock });
  for (let index = 0; index < 3; index += 1) await breakers.record('primary', 'failure', clock);
  clock += breaker.cooldownMs;
  assert.equal((await breakers.state('primary', clock)).state, 'half_open');
  const { text, end } = await route(router.stream({ messages: question, signal: signal() }));
  assert.equal(text, 'probe ok');
  assert.equal(end?.deployment, 'primary');
  assert.equal((await breakers.state('primary', clock)).state, 'closed');
});

test('a breaker store that fails does not stop generation: every breaker counts as closed and the observer hears of it', async () => {
  openai.reset();
  openai.setBehaviour({ reply: 'served anyway' });
  const broken: BreakerStore = {
    record: () => Promise.reject(new Error('redis down')),
    state: () => Promise.reject(new Error('redis down')),
    tryAcquireProbe: () => Promise.reject(new Error('redis down')),
    forceClose: () => Promise.reject(new Error('redis down')),
    list: () => Promise.reject(new Error('redis down')),
  };
  const { observer, seen } = recordingObserver();
  const router = createModelRouter({ config: chatConfig([openaiOn('primary', openai)]), breakers: broken, observer });
  assert.equal((await route(router.stream({ messages: question, signal: signal() }))).text, 'served anyway');
  assert.equal(seen.storeErrors.length, 1, 'the state before the attempt (the success is batched)');
  await router.close();
  assert.equal(seen.storeErrors.length, 2, 'and the batched success, sent at close');
  assert.deepEqual(seen.breakers, []);
});

test('the router keeps the shared store off the request path: a closed state is reused, successes go in one batch, a failure is sent at once after them', async () => {
  openai.reset();
  openai.setBehaviour({ reply: 'fine' });
  const calls: string[] = [];
  const memory = createMemoryBreakerStore({ windowMs: 60_000, minRequests: 100, failureRatio: 0.5, cooldownMs: 60_000 });
  const counting: BreakerStore = {
    record: (deployment, outcome, now, count = 1) => {
      calls.push(`record ${outcome} x${count}`);
      return memory.record(deployment, outcome, now, count);
    },
    state: (deployment, now) => {
      calls.push('state');
      return memory.state(deployment, now);
    },
    tryAcquireProbe: (deployment, now) => memory.tryAcquireProbe(deployment, now),
    forceClose: (deployment) => memory.forceClose(deployment),
    list: (now) => memory.list(now),
  };
  const router = createModelRouter({ config: chatConfig([openaiOn('primary', openai)]), breakers: counting });
  for (let index = 0; index < 5; index += 1) assert.equal((await route(router.stream({ messages: question, signal: signal() }))).text, 'fine');
  assert.deepEqual(calls, ['state'], 'one read for five requests, no write yet');
  openai.setBehaviour({ fail: { status: 500 } });
  await route(router.stream({ messages: question, signal: signal() }));
  assert.deepEqual(calls, ['state', 'record success x5', 'record failure x1'], 'the successes reach the store before the failure');
  assert.deepEqual(await memory.state('primary', Date.now()), { state: 'closed', failures: 1, requests: 6 });
  await router.close();
});

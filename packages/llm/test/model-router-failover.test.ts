// Failover before any output, Retry-After, connection failures and aborts, against fake providers over HTTP.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { startFakeAnthropic, startFakeOpenAI } from '@rivulet/fake-providers';
import { countBpeTokens, createModelRouter, isAbortError, ProviderError, RouterAbortError, RouterError } from '../src/index.js';
import { anthropicOn, chatConfig, on, openaiOn, question, recordingObserver, refusingUrl, route, silentServer } from './support/router.js';

const openai = await startFakeOpenAI({ reply: 'From OpenAI.' });
const anthropic = await startFakeAnthropic({ reply: 'From Anthropic.' });
after(() => Promise.all([openai.close(), anthropic.close()]));
beforeEach(() => {
  for (const server of [openai, anthropic]) {
    server.reset();
    server.setBehaviour({ reply: server === openai ? 'From OpenAI.' : 'From Anthropic.' });
  }
});
const signal = () => new AbortController().signal;

test('429 then success on a single deployment: the Retry-After is waited out and the same deployment answers', async () => {
  const { observer, seen } = recordingObserver();
  const router = createModelRouter({ config: chatConfig([openaiOn('only', openai)]), observer });
  openai.enqueueBehaviours({ fail: { status: 429, retryAfterMs: 300 } });
  const started = Date.now();
  const { text, end, failovers, error } = await route(router.stream({ messages: question, signal: signal() }));
  assert.equal(error, undefined);
  assert.equal(text, 'From OpenAI.');
  assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms, before the Retry-After`);
  assert.equal(openai.requests.length, 2);
  assert.deepEqual(failovers, [{ from: 'only', to: 'only', reason: 'rate_limited', afterOutput: false }]);
  assert.deepEqual(end?.servedBy, ['only']);
  assert.deepEqual(seen.ends.map((attempt) => [attempt.outcome, attempt.errorCode]), [['error', 'rate_limited'], ['ok', undefined]]);
});

test('a Retry-After longer than retry.maxRetryAfterMs is not waited: RouterError with retryAfterMs, at once', async () => {
  const router = createModelRouter({ config: chatConfig([openaiOn('only', openai)]) });
  openai.setBehaviour({ fail: { status: 429, retryAfterSeconds: 5 } });
  const started = Date.now();
  const { error } = await route(router.stream({ messages: question, signal: signal() }));
  assert.ok(error instanceof RouterError && error.code === 'provider_unavailable' && error.retryable, String(error));
  assert.ok(error.retryAfterMs! > 4_000 && error.retryAfterMs! <= 5_000, `retryAfterMs ${error.retryAfterMs}`);
  assert.ok(Date.now() - started < 500);
  // The deployment cools down for the next request too: skipped without a call.
  assert.ok((await route(router.stream({ messages: question, signal: signal() }))).error instanceof RouterError);
  assert.equal(openai.requests.length, 1);
});

test('500 on the first deployment: the second serves, with one failover marker before any text', async () => {
  const { observer, seen } = recordingObserver();
  const router = createModelRouter({ config: chatConfig([openaiOn('first', openai), anthropicOn('second', anthropic)]), observer });
  openai.setBehaviour({ fail: { status: 500 } });
  const { text, end, failovers, events } = await route(router.stream({ messages: question, signal: signal() }));
  assert.equal(text, 'From Anthropic.');
  assert.deepEqual(failovers, [{ from: 'first', to: 'second', reason: 'provider_unavailable', afterOutput: false }]);
  assert.equal(events[0]?.type, 'failover');
  assert.equal(end?.deployment, 'second');
  assert.equal(end?.provider, 'anthropic');
  assert.equal(end?.model, 'model-second');
  assert.equal(end?.routerModel, 'chat');
  assert.deepEqual(end?.servedBy, ['second']);
  assert.deepEqual(seen.failovers, failovers);
  assert.deepEqual(seen.attempts, ['first', 'second']);
});

test('401, 403, 404 and 409 fail over; 400 invalid_request is thrown at once without trying another deployment', async () => {
  const router = createModelRouter({ config: chatConfig([openaiOn('first', openai), anthropicOn('second', anthropic)]) });
  for (const status of [401, 403, 404, 409]) {
    openai.setBehaviour({ fail: { status } });
    const { text, failovers } = await route(router.stream({ messages: question, signal: signal() }));
    assert.equal(text, 'From Anthropic.', `status ${status}`);
    assert.equal(failovers.length, 1);
  }
  anthropic.reset();
  openai.setBehaviour({ fail: { status: 400 } });
  const { error, failovers } = await route(router.stream({ messages: question, signal: signal() }));
  assert.ok(error instanceof RouterError && error.code === 'invalid_request' && !error.retryable, String(error));
  assert.ok(error instanceof ProviderError);
  assert.equal(failovers.length, 0);
  assert.equal(anthropic.requests.length, 0);
});

test('every deployment refusing connections: provider_unavailable at once, well within the connect timeout', async () => {
  const config = chatConfig([on('a', 'openai', await refusingUrl()), on('b', 'anthropic', await refusingUrl('')), on('c', 'openai-compatible', await refusingUrl())],
    { timeouts: { connectMs: 2_000, firstTokenMs: 3_000, idleMs: 300 } });
  const router = createModelRouter({ config });
  const started = Date.now();
  const { error, end, failovers } = await route(router.stream({ messages: question, signal: signal() }));
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1_000, `gave up after ${elapsed} ms`);
  assert.equal(end, undefined);
  assert.ok(error instanceof RouterError && error.code === 'provider_unavailable' && error.retryable, String(error));
  assert.match(error.message, /a: provider_unavailable .*; b: provider_unavailable .*; c: provider_unavailable/);
  assert.deepEqual(error.usage, { inputTokens: 0, outputTokens: 0 });
  assert.equal(error.costUsd, 0);
  assert.deepEqual(failovers.map((failover) => `${failover.from}>${failover.to}`), ['a>b', 'b>c']);
});

test('a deployment that produced text before failing is counted in the error\'s usage and cost', async () => {
  openai.setBehaviour({ reply: 'abcd efgh ijkl', dropAfterTokens: 2 });
  const config = chatConfig([openaiOn('talker', openai, { price: { inputPerMillion: 1_000_000, outputPerMillion: 2_000_000 } }), on('gone', 'openai-compatible', await refusingUrl())]);
  const { error, text } = await route(createModelRouter({ config }).stream({ messages: question, signal: signal() }));
  assert.equal(text, 'abcd efgh');
  assert.ok(error instanceof RouterError, String(error));
  // Counted by the deployment's tokenizer (o200k BPE): the prompt sent and 'abcd efgh'.
  const inputTokens = countBpeTokens(question.map((message) => message.content).join('\n'));
  assert.deepEqual(error.usage, { inputTokens, outputTokens: countBpeTokens('abcd efgh') });
  assert.equal(error.costUsd, inputTokens + 2 * countBpeTokens('abcd efgh'));
  assert.deepEqual(error.servedBy, ['talker']);
  assert.deepEqual(error.steps.map((step) => [step.deployment, step.outcome]), [['talker', 'error'], ['gone', 'error']]);
});

test('hosts that accept and never answer fail over after the connect timeout (both SDKs), not the first-token timeout', async () => {
  const silent = await silentServer();
  try {
    const config = chatConfig([on('silent-openai', 'openai', silent.url), on('silent-anthropic', 'anthropic', silent.url.replace(/\/v1$/, '')), openaiOn('third', openai)],
      { timeouts: { connectMs: 200, firstTokenMs: 5_000, idleMs: 5_000 } });
    const started = Date.now();
    const { text, failovers } = await route(createModelRouter({ config }).stream({ messages: question, signal: signal() }));
    const elapsed = Date.now() - started;
    assert.equal(text, 'From OpenAI.');
    assert.deepEqual(failovers, [
      { from: 'silent-openai', to: 'silent-anthropic', reason: 'timeout', afterOutput: false },
      { from: 'silent-anthropic', to: 'third', reason: 'timeout', afterOutput: false },
    ]);
    assert.ok(elapsed >= 390 && elapsed < 2_000, `failed over twice after ${elapsed} ms`);
    assert.ok(silent.accepted() >= 2, 'both connected: the server accepted, it just never answered');
  } finally {
    await silent.close();
  }
});

test('a caller that stops reading closes the upstream call; nothing is retried', async () => {
  openai.setBehaviour({ tokens: 200, tokenDelayMs: 10 });
  const { observer, seen } = recordingObserver();
  const router = createModelRouter({ config: chatConfig([openaiOn('first', openai), anthropicOn('second', anthropic)]), observer });
  for await (const event of router.stream({ messages: question, signal: signal() })) if (event.type === 'delta') break;
  await openai.waitForClientAborts(1, 2_000);
  assert.equal(anthropic.requests.length, 0);
  assert.deepEqual(seen.ends.map((end) => end.outcome), ['aborted']);
});

test('abort mid-stream: an AbortError with the usage so far, the fake sees the client abort, no failover', async () => {
  openai.setBehaviour({ tokens: 200, tokenDelayMs: 10 });
  const router = createModelRouter({ config: chatConfig([openaiOn('first', openai), anthropicOn('second', anthropic)]) });
  const controller = new AbortController();
  let deltas = 0;
  const { error, failovers, end } = await route(router.stream({ messages: question, signal: controller.signal }), (event) => {
    if (event.type === 'delta' && (deltas += 1) === 3) controller.abort();
  });
  assert.ok(isAbortError(error), String(error));
  assert.ok(error instanceof RouterAbortError);
  assert.ok(error.usage.outputTokens > 0);
  assert.deepEqual(error.servedBy, ['first']);
  assert.equal(end, undefined);
  assert.equal(failovers.length, 0);
  await openai.waitForClientAborts(1, 2_000);
  assert.equal(anthropic.requests.length, 0);
});

test('an unknown model is invalid_request; an aborted signal sends nothing', async () => {
  const router = createModelRouter({ config: chatConfig([openaiOn('first', openai)]) });
  const { error } = await route(router.stream({ model: 'nope', messages: question, signal: signal() }));
  assert.ok(error instanceof ProviderError && error.code === 'invalid_request' && /unknown model "nope"/.test(error.message));
  assert.ok(isAbortError((await route(router.stream({ messages: question, signal: AbortSignal.abort() }))).error));
  assert.equal(openai.requests.length, 0);
});

test('the connect timeout bounds the wait for headers only, not a long answer', async () => {
  openai.setBehaviour({ tokens: 8, tokenDelayMs: 60 });
  const config = chatConfig([openaiOn('slow', openai)], { timeouts: { connectMs: 150, firstTokenMs: 1_000, idleMs: 1_000 } });
  const { end, error } = await route(createModelRouter({ config }).stream({ messages: question, signal: signal() }));
  assert.equal(error, undefined);
  assert.equal(end?.usage.outputTokens, 8);
});

test('a deployment\'s Retry-After is waited out once per request: a 429 with Retry-After 0 cannot loop', async () => {
  openai.setBehaviour({ fail: { status: 429, retryAfterMs: 0 } });
  const { error } = await route(createModelRouter({ config: chatConfig([openaiOn('only', openai)]) }).stream({ messages: question, signal: signal() }));
  assert.ok(error instanceof RouterError && error.code === 'provider_unavailable', String(error));
  assert.equal(openai.requests.length, 2);
});

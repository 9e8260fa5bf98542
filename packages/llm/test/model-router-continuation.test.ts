// Mid-stream failover: the next deployment continues the answer, against fake providers over HTTP.
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { splitTokens, startFakeAnthropic, startFakeOpenAI, type FakeChatRequest } from '@rivulet/fake-providers';
import { CONTINUE_INSTRUCTION, countBpeTokens, createModelRouter, estimateTokens, ProviderError, RouterError, type ChatModel, type ChatStreamEvent } from '../src/index.js';
import { anthropicOn, chatConfig, openaiOn, question, route } from './support/router.js';

const first = await startFakeOpenAI();
const second = await startFakeOpenAI();
const claude = await startFakeAnthropic();
after(() => Promise.all([first.close(), second.close(), claude.close()]));
beforeEach(() => {
  for (const server of [first, second, claude]) {
    server.reset();
    server.setBehaviour({});
  }
});
const signal = () => new AbortController().signal;
const words = 'Kafka keeps an ordered log of records per partition and consumers read it at their own pace while producers append';
const messagesOf = (server: typeof first) => (server.requests[0]!.body as { messages: { role: string; content: string }[] }).messages;

test('a stall after 20 tokens: the second deployment continues the answer after one marker, prompted with the partial answer', async () => {
  first.setBehaviour({ reply: words, tokens: 40, stallAfterTokens: 20 });
  second.setBehaviour({ reply: ' and that is the rest.' });
  const router = createModelRouter({ config: chatConfig([openaiOn('a', first), openaiOn('b', second)]) });
  const { text, events, failovers, markerAt, end, error } = await route(router.stream({ messages: question, maxOutputTokens: 100, signal: signal() }));
  assert.equal(error, undefined);
  const partial = splitTokens(words).concat(splitTokens(words)).slice(0, 20).join('');
  assert.equal(text, `${partial} and that is the rest.`);
  assert.deepEqual(failovers, [{ from: 'a', to: 'b', reason: 'timeout', afterOutput: true }]);
  assert.deepEqual(markerAt, [20], 'the marker sits between the 20 deltas of a and those of b');
  assert.equal(events.filter((event) => event.type === 'end').length, 1);
  assert.deepEqual(messagesOf(second), [...question, { role: 'assistant', content: partial }, { role: 'user', content: CONTINUE_INSTRUCTION }]);
  assert.equal((second.requests[0]!.body as { max_completion_tokens: number }).max_completion_tokens, 100 - countBpeTokens(partial));
  assert.deepEqual(end?.servedBy, ['a', 'b']);
  assert.equal(end?.deployment, 'b');
  // a's part estimated (prompt and partial answer), b's as the fake reports it (it counts words).
  assert.deepEqual(end?.usage, {
    inputTokens: countBpeTokens(question.map((message) => message.content).join('\n')) + splitTokens([...question.map((message) => message.content), partial, CONTINUE_INSTRUCTION].join(' ')).length,
    outputTokens: countBpeTokens(partial) + 5,
  });
  await first.waitForClientAborts(1, 2_000);
});

test('Anthropic continues by prefill: the partial answer is the final assistant turn, without an instruction', async () => {
  first.setBehaviour({ reply: words, tokens: 20, dropAfterTokens: 6 });
  claude.setBehaviour({ reply: (request: FakeChatRequest) => ` (continued after ${request.messages.length} messages)` });
  const router = createModelRouter({ config: chatConfig([openaiOn('a', first), anthropicOn('claude', claude)]) });
  const { text, failovers, end } = await route(router.stream({ messages: question, signal: signal() }));
  const partial = splitTokens(words).slice(0, 6).join('');
  assert.equal(text, `${partial} (continued after 3 messages)`);
  assert.deepEqual(failovers, [{ from: 'a', to: 'claude', reason: 'provider_unavailable', afterOutput: true }]);
  const body = claude.requests[0]!.body as { system: string; messages: unknown[] };
  assert.equal(body.system, question[0].content);
  assert.deepEqual(body.messages, [{ role: 'user', content: question[1].content }, { role: 'assistant', content: partial }]);
  assert.equal(end?.provider, 'anthropic');
});

test('a 200 Anthropic stream carrying overloaded_error mid-stream fails over and the answer continues', async () => {
  claude.setBehaviour({ reply: words, streamError: { afterTokens: 5 } });
  second.setBehaviour({ reply: ' rest.' });
  const router = createModelRouter({ config: chatConfig([anthropicOn('claude', claude), openaiOn('b', second)]) });
  const { text, failovers, end } = await route(router.stream({ messages: question, signal: signal() }));
  assert.equal(text, `${splitTokens(words).slice(0, 5).join('')} rest.`);
  assert.deepEqual(failovers, [{ from: 'claude', to: 'b', reason: 'provider_unavailable', afterOutput: true }]);
  assert.deepEqual(end?.servedBy, ['claude', 'b']);
});

test('a truncated stream (no [DONE], no message_stop) is never a clean end: failover, then an error if nothing is left', async () => {
  first.setBehaviour({ reply: words, truncateAfterTokens: 3 });
  claude.setBehaviour({ reply: words, truncateAfterTokens: 2 });
  const router = createModelRouter({ config: chatConfig([openaiOn('a', first), anthropicOn('claude', claude)]) });
  const failed = await route(router.stream({ messages: question, signal: signal() }));
  assert.equal(failed.end, undefined);
  assert.ok(failed.error instanceof RouterError && failed.error.code === 'provider_unavailable', String(failed.error));
  assert.deepEqual(failed.error.servedBy, ['a', 'claude']);
  assert.ok(failed.error.usage.outputTokens > 0);
  assert.equal(failed.text, splitTokens(words).slice(0, 3).join('') + splitTokens(words).slice(0, 2).join(''));
  claude.setBehaviour({ reply: ' done.' });
  const served = await route(router.stream({ messages: question, signal: signal() }));
  assert.equal(served.text, `${splitTokens(words).slice(0, 3).join('')} done.`);
  assert.deepEqual(served.failovers, [{ from: 'a', to: 'claude', reason: 'provider_unavailable', afterOutput: true }]);
});

test('maxOutputTokens holds across continuation: with the allowance spent by the failed part, the next deployment is asked for one token and ends by its limit', async () => {
  first.setBehaviour({ reply: 'abcdefghijklmnop', tokens: 20, dropAfterTokens: 6 });
  second.setBehaviour({ reply: ' more words than allowed' });
  const router = createModelRouter({ config: chatConfig([openaiOn('a', first), openaiOn('b', second)]) });
  const { end, failovers } = await route(router.stream({ messages: question, maxOutputTokens: 10, signal: signal() }));
  assert.equal(end?.finishReason, 'length', 'the provider ended it by the limit');
  assert.equal((second.requests[0]!.body as { max_completion_tokens: number }).max_completion_tokens, 1);
  assert.deepEqual(end?.servedBy, ['a', 'b']);
  assert.equal(failovers.length, 1);
});

// In-memory models (createModel) for what the fakes cannot say: whitespace at the cut.
const scripted = (provider: string, pieces: string[], failure?: ProviderError, seen?: (messages: unknown) => void): ChatModel => ({
  provider, model: provider, contextTokens: 1000, countTokens: estimateTokens, close: () => Promise.resolve(),
  stream: async function* (request): AsyncGenerator<ChatStreamEvent> {
    seen?.(request.messages);
    for (const text of pieces) yield await Promise.resolve({ type: 'delta', text } as const);
    if (failure) throw failure;
    yield { type: 'end', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: pieces.length } };
  },
});

test('a partial answer ending in whitespace: the prefill is trimmed and the continuation\'s leading whitespace dropped', async () => {
  let prefill: unknown;
  const cut = new ProviderError({ provider: 'openai', code: 'provider_unavailable', message: 'cut', retryable: true });
  const router = createModelRouter({
    config: chatConfig([openaiOn('a', first), anthropicOn('claude', claude)]),
    createModel: (deployment) => deployment.name === 'a' ? scripted('openai', ['Hello', ' there, ', '\n'], cut) : scripted('anthropic', ['\n ', 'world.'], undefined, (messages) => (prefill = messages)),
  });
  const { text } = await route(router.stream({ messages: question, signal: signal() }));
  assert.equal(text, 'Hello there, \nworld.');
  assert.deepEqual((prefill as { role: string; content: string }[]).at(-1), { role: 'assistant', content: 'Hello there,' });
});

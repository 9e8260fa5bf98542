// The behaviour every remote adapter owes the generation worker, checked against a fake
// server that speaks the provider's real wire format (never a mocked SDK).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { FakeBehaviour, FakeProviderServer } from '@rivulet/fake-providers';
import { isAbortError, ProviderError, type ChatModel } from '../../src/index.js';
import { collect, drain, question } from './streams.js';

export interface RemoteSubject {
  /** The adapter's `provider`. */
  provider: string;
  /** Starts the provider's fake with this API key. */
  start: (apiKey: string) => Promise<FakeProviderServer>;
  /** Builds the adapter against `baseURL`. */
  create: (options: { baseURL: string; apiKey: string; firstTokenTimeoutMs: number; idleTimeoutMs: number }) => ChatModel;
  /** The status the provider uses for "overloaded" besides 500 (OpenAI 503, Anthropic 529). */
  overloadedStatus: number;
}

export const isProviderError = (code: string, retryable: boolean, status?: number) => (error: unknown) =>
  error instanceof ProviderError && error.code === code && error.retryable === retryable && error.status === status;

export const remoteContract = (subject: RemoteSubject): void => {
  const apiKey = 'key-under-test';
  let server: FakeProviderServer;
  let model: ChatModel;
  const create = (overrides: { firstTokenTimeoutMs?: number; idleTimeoutMs?: number; apiKey?: string } = {}) =>
    subject.create({ baseURL: server.url, apiKey, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 2_000, ...overrides });
  const behave = (behaviour: FakeBehaviour) => server.setBehaviour(behaviour);
  before(async () => {
    server = await subject.start(apiKey);
    model = create();
  });
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    server.setBehaviour({});
  });
  const name = (what: string) => `${subject.provider}: ${what}`;

  test(name('streams the reply as deltas in order, then one end with the provider\'s usage and finish stop'), async () => {
    behave({ reply: 'Kafka is a distributed, partitioned commit log.', tokenDelayMs: 5 });
    const { deltas, text, end } = await collect(model, { messages: question });
    assert.deepEqual(deltas, ['Kafka', ' is', ' a', ' distributed,', ' partitioned', ' commit', ' log.']);
    assert.equal(text, 'Kafka is a distributed, partitioned commit log.');
    // The fake counts words: 5 of the system prompt and 3 of the question; 7 of the answer.
    assert.deepEqual(end, { type: 'end', finishReason: 'stop', usage: { inputTokens: 8, outputTokens: 7 } });
    assert.equal(server.requests.length, 1);
    assert.equal(model.provider, subject.provider);
  });

  test(name('the whole prompt reaches the provider, system message included (the fake echoes it)'), async () => {
    behave({ reply: (request) => request.messages.map((message) => `${message.role}=${message.text}`).join(' | ') });
    const { text } = await collect(model, { messages: [...question, { role: 'assistant', content: 'A log.' }, { role: 'user', content: 'Say more.' }] });
    assert.equal(text, 'system=You answer in one sentence. | user=What is Kafka? | assistant=A log. | user=Say more.');
  });

  test(name('maxOutputTokens is sent and a cut answer ends with finish length'), async () => {
    behave({ tokens: 50 });
    const { deltas, end } = await collect(model, { messages: question, maxOutputTokens: 6 });
    assert.equal(deltas.length, 6);
    assert.equal(end?.finishReason, 'length');
    assert.equal(end?.usage.outputTokens, 6);
  });

  test(name('without usage from the provider, usage is estimated at four characters a token'), async () => {
    behave({ reply: 'twelve chars', omitUsage: true });
    const { end } = await collect(model, { messages: [{ role: 'user', content: 'x'.repeat(40) }] });
    assert.deepEqual(end?.usage, { inputTokens: 10, outputTokens: 3 });
  });

  test(name('HTTP 500 and the overloaded status are provider_unavailable and retryable'), async () => {
    for (const status of [500, subject.overloadedStatus]) {
      behave({ fail: { status } });
      assert.ok(isProviderError('provider_unavailable', true, status)(await drain(model.stream({ messages: question, signal: new AbortController().signal }))), `status ${status}`);
    }
  });

  test(name('HTTP 429 is rate_limited, retryable, with retryAfterMs from Retry-After'), async () => {
    behave({ fail: { status: 429, retryAfterSeconds: 2 } });
    const error = await drain(model.stream({ messages: question, signal: new AbortController().signal }));
    assert.ok(isProviderError('rate_limited', true, 429)(error), String(error));
    assert.equal((error as ProviderError).retryAfterMs, 2_000);
    assert.equal(server.requests.length, 1, 'the adapter does not retry by itself');
  });

  test(name('HTTP 400 is invalid_request; a refused key (401) and 403 are provider_unavailable; none retryable'), async () => {
    behave({ fail: { status: 400 } });
    assert.ok(isProviderError('invalid_request', false, 400)(await drain(model.stream({ messages: question, signal: new AbortController().signal }))));
    behave({});
    assert.ok(isProviderError('provider_unavailable', false, 401)(await drain(create({ apiKey: 'wrong' }).stream({ messages: question, signal: new AbortController().signal }))));
    behave({ fail: { status: 403 } });
    assert.ok(isProviderError('provider_unavailable', false, 403)(await drain(model.stream({ messages: question, signal: new AbortController().signal }))));
  });

  test(name('a stream that stalls past idleTimeoutMs is a retryable timeout and the HTTP request is closed'), { timeout: 10_000 }, async () => {
    behave({ tokens: 20, stallAfterTokens: 2 });
    const started = Date.now();
    const deltas: string[] = [];
    const error = await drain(create({ idleTimeoutMs: 300 }).stream({ messages: question, signal: new AbortController().signal }), deltas);
    assert.ok(isProviderError('timeout', true)(error), String(error));
    assert.equal(deltas.length, 2);
    assert.ok(Date.now() - started < 1_500, `gave up after ${Date.now() - started} ms`);
    await server.waitForClientAborts(1, 2_000);
  });

  test(name('no first token within firstTokenTimeoutMs is a retryable timeout and the HTTP request is closed'), { timeout: 10_000 }, async () => {
    behave({ firstTokenDelayMs: 5_000 });
    const started = Date.now();
    const error = await drain(create({ firstTokenTimeoutMs: 300, idleTimeoutMs: 10_000 }).stream({ messages: question, signal: new AbortController().signal }));
    assert.ok(isProviderError('timeout', true)(error), String(error));
    assert.ok(Date.now() - started < 1_500, `gave up after ${Date.now() - started} ms`);
    await server.waitForClientAborts(1, 2_000);
  });

  test(name('a slow consumer is not a stalled provider'), async () => {
    behave({ tokens: 3 });
    const deltas: string[] = [];
    for await (const event of create({ firstTokenTimeoutMs: 150, idleTimeoutMs: 150 }).stream({ messages: question, signal: new AbortController().signal })) {
      if (event.type === 'delta') deltas.push(event.text);
      await delay(300);
    }
    assert.equal(deltas.length, 3);
  });

  test(name('the caller\'s abort ends the stream with an AbortError and closes the upstream connection'), async () => {
    behave({ tokens: 200, tokenDelayMs: 20 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const error = await drain(model.stream({ messages: question, signal: controller.signal }), deltas, (count) => count === 3 && controller.abort());
    assert.ok(isAbortError(error), String(error));
    assert.ok(deltas.length < 10, `${deltas.length} deltas after the abort`);
    await server.waitForClientAborts(1, 2_000);
    assert.ok(isAbortError(await drain(model.stream({ messages: question, signal: AbortSignal.abort() }))));
    assert.equal(server.requests.length, 1, 'an already aborted signal sends nothing');
  });

  test(name('a consumer that stops reading closes the upstream connection'), async () => {
    behave({ tokens: 200, tokenDelayMs: 20 });
    for await (const event of model.stream({ messages: question, signal: new AbortController().signal })) {
      if (event.type === 'delta') break;
    }
    await server.waitForClientAborts(1, 2_000);
  });

  test(name('a connection cut mid-stream is provider_unavailable and retryable, after the deltas already sent'), async () => {
    behave({ tokens: 20, dropAfterTokens: 3 });
    const deltas: string[] = [];
    const error = await drain(model.stream({ messages: question, signal: new AbortController().signal }), deltas);
    assert.ok(isProviderError('provider_unavailable', true)(error), String(error));
    assert.equal(deltas.length, 3);
  });

  test(name('a server that is not there is provider_unavailable and retryable; stream after close fails'), async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const absent = subject.create({ baseURL: server.url.replace(/:\d+/, `:${port}`), apiKey, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 2_000 });
    assert.ok(isProviderError('provider_unavailable', true)(await drain(absent.stream({ messages: question, signal: new AbortController().signal }))));
    await absent.close();
    assert.ok(isProviderError('internal', false)(await drain(absent.stream({ messages: question, signal: new AbortController().signal }))));
  });
};

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HandlerContext } from '@rivulet/kafka';
import { ProviderError, type ChatGenerationRequest, type ChatModel, type ChatStreamEvent } from '@rivulet/llm';
import type { ContextRetrieved } from '@rivulet/schemas';
import { assistantMessageId } from '@rivulet/store';
import { DeltaPublisher } from '../src/delta-publisher.js';
import { createGenerationHandler, type CancellationWatch } from '../src/handler.js';

const request = (overrides: Partial<ContextRetrieved['payload']['request']> = {}): ContextRetrieved => ({
  eventId: 'e1', tenantId: 'tenant-a', correlationId: 'req-1', occurredAt: Date.now(),
  payload: {
    request: {
      requestId: 'req-1', clientRequestId: 'c1', conversationId: 'conv-1', userId: null, apiKeyId: 'key-1', message: 'What is Rivulet?',
      history: [], model: 'auto', temperature: null, maxOutputTokens: null, rag: true, collection: 'default', topK: 5, filters: {},
      replyRoute: { ingressInstanceId: 'ingress-a', partition: 4 }, kind: 'chat', acceptedAt: Date.now() - 5, deadlineAt: Date.now() + 60_000,
      ...overrides,
    },
    chunks: [{ documentId: 'doc-1', chunkId: 'doc-1#0', title: 'About', score: 0.8, snippet: 'Rivulet is…', content: 'Rivulet is an AI backend on Kafka.', metadata: {} }],
  },
});

const context = (signal = new AbortController().signal): HandlerContext<'context-retrieved'> => ({
  eventType: 'context-retrieved', topic: 'rivulet.chat.contexts-retrieved', partition: 0, offset: '0', key: 'conv-1', headers: {},
  correlationId: 'req-1', traceparent: undefined, attempt: 1, signal,
});

/** A ChatModel that streams the given tokens, waiting `delayMs` between them, honouring the signal. */
const fakeModel = (tokens: string[], { delayMs = 0, failAfter }: { delayMs?: number; failAfter?: number } = {}) => {
  const seen: ChatGenerationRequest[] = [];
  let aborted = false;
  const model: ChatModel = {
    provider: 'fake', model: 'fake-1', contextTokens: 4096,
    countTokens: (text) => Math.ceil(text.length / 4),
    close: () => Promise.resolve(),
    stream: async function* (input): AsyncIterable<ChatStreamEvent> {
      seen.push(input);
      for (const [index, text] of tokens.entries()) {
        if (failAfter !== undefined && index === failAfter) throw new ProviderError({ provider: 'fake', code: 'provider_unavailable', message: 'upstream 503', retryable: true, status: 503 });
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (input.signal.aborted) {
          aborted = true;
          const error = new Error('aborted');
          error.name = 'AbortError';
          throw error;
        }
        yield { type: 'delta', text };
      }
      yield { type: 'end', finishReason: 'stop', usage: { inputTokens: 42, outputTokens: tokens.length } };
    },
  };
  return { model, seen, wasAborted: () => aborted };
};

const setup = (model: ChatModel, { firstAttempt = true, cancelAfterMs }: { firstAttempt?: boolean; cancelAfterMs?: number } = {}) => {
  const sent: { seq: number; content: string; reset: boolean; partition: number | undefined; sources: unknown }[] = [];
  const deltas = new DeltaPublisher({
    send: (events) => {
      for (const event of events) sent.push({ ...event.value.payload, partition: event.partition });
      return new Promise((resolve) => setTimeout(resolve, 1));
    },
  });
  const handler = createGenerationHandler({
    models: { resolve: () => model },
    history: { load: () => Promise.resolve([{ role: 'user', content: 'earlier question' }, { role: 'assistant', content: 'earlier answer' }]) },
    cancellation: {
      watch: (): Promise<CancellationWatch> => {
        const controller = new AbortController();
        if (cancelAfterMs !== undefined) setTimeout(() => controller.abort(), cancelAfterMs);
        return Promise.resolve({ signal: controller.signal, release: () => undefined });
      },
    },
    attempts: { begin: () => Promise.resolve(firstAttempt) },
    deltas, defaultMaxOutputTokens: 256, historyTokenBudget: 1000,
  });
  return { handler, sent };
};

test('streams deltas to the request\'s partition and ends with the whole answer, its usage and sources', async () => {
  const fake = fakeModel(['Rivulet ', 'is ', 'an AI backend [1].']);
  const { handler, sent } = setup(fake.model);
  const outputs = (await handler(request(), context())) ?? [];
  assert.equal(outputs.length, 1);
  const end = outputs[0]!;
  assert.equal(end.type, 'reply-end');
  assert.equal(end.partition, 4);
  const payload = end.value.payload as { status: string; content: string; messageId: string; usage: unknown; sources: { n: number; documentId: string }[]; provider: string; model: string; finishReason: string | null };
  assert.equal(payload.status, 'done');
  assert.equal(payload.content, 'Rivulet is an AI backend [1].');
  assert.equal(payload.messageId, assistantMessageId('req-1'));
  assert.deepEqual(payload.usage, { inputTokens: 42, outputTokens: 3 });
  assert.deepEqual(payload.sources.map(({ n, documentId }) => [n, documentId]), [[1, 'doc-1']]);
  assert.equal(payload.finishReason, 'stop');
  assert.equal(sent.map(({ content }) => content).join(''), payload.content, 'deltas concatenate to the answer');
  assert.deepEqual(sent.map(({ seq }) => seq), sent.map((_, index) => index), 'gap-free seq');
  assert.ok(sent.every(({ partition }) => partition === 4));
  assert.ok(Array.isArray(sent[0]!.sources), 'seq 0 carries the sources');
  const prompt = fake.seen[0]!.messages;
  assert.deepEqual(prompt.slice(1, 3).map(({ content }) => content), ['earlier question', 'earlier answer'], 'conversation memory in the prompt');
  assert.match(prompt.at(-1)!.content, /\[1\] About\nRivulet is an AI backend on Kafka\./);
});

test('a cancel mid-stream stops the model and ends with cancelled', async () => {
  const fake = fakeModel(Array.from({ length: 50 }, (_, index) => `t${index} `), { delayMs: 10 });
  const { handler, sent } = setup(fake.model, { cancelAfterMs: 60 });
  const [end] = (await handler(request(), context())) ?? [];
  const payload = end!.value.payload as { status: string; error: { code: string; retryable: boolean } | null; finishReason: string | null; content: string };
  assert.equal(payload.status, 'error');
  assert.equal(payload.error?.code, 'cancelled');
  assert.equal(payload.finishReason, 'cancelled');
  assert.ok(fake.wasAborted(), 'the model saw the abort');
  assert.ok(payload.content.length > 0 && payload.content.length < 50 * 4, 'stopped part-way');
  assert.equal(sent.map(({ content }) => content).join(''), payload.content);
});

test('a provider failure ends the stream with a retryable provider_unavailable error', async () => {
  const { handler } = setup(fakeModel(['a', 'b', 'c'], { failAfter: 2 }).model);
  const [end] = (await handler(request(), context())) ?? [];
  const payload = end!.value.payload as { status: string; error: { code: string; retryable: boolean } | null; content: string };
  assert.equal(payload.status, 'error');
  assert.deepEqual([payload.error?.code, payload.error?.retryable], ['provider_unavailable', true]);
  assert.equal(payload.content, 'ab');
});

test('a request past its deadline is dropped without calling the model', async () => {
  const fake = fakeModel(['x']);
  const { handler, sent } = setup(fake.model);
  const outputs = await handler(request({ deadlineAt: Date.now() - 1 }), context());
  assert.deepEqual(outputs, []);
  assert.equal(fake.seen.length, 0);
  assert.equal(sent.length, 0);
});

test('a second attempt at the same request announces the reset on its first delta', async () => {
  const { handler, sent } = setup(fakeModel(['again']).model, { firstAttempt: false });
  await handler(request(), context());
  assert.equal(sent[0]!.reset, true);
  assert.ok(sent.slice(1).every(({ reset }) => !reset));
});

test('when the worker shuts down mid-stream the event is not finished, so another instance regenerates it', async () => {
  const shutdown = new AbortController();
  const { handler } = setup(fakeModel(Array.from({ length: 50 }, () => 'x'), { delayMs: 10 }).model);
  setTimeout(() => shutdown.abort(), 40);
  await assert.rejects(handler(request(), context(shutdown.signal)));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatRequestReceived } from '@rivulet/schemas';
import { chatFrameSubmission } from '../src/chat/chat-input.js';
import { createChatService } from '../src/chat/chat-service.js';
import { ReplyRouter, type ReplyListener } from '../src/chat/reply-router.js';
import { IngressError } from '../src/errors.js';
import { completionRequestOf } from '../src/http/openai-format.js';

const principal = { keyId: 'key-1', tenantId: 'tenant-a' };

const setup = ({ timeoutMs = 60_000, failPublish = false, failCreate = false } = {}) => {
  const router = new ReplyRouter();
  const published: ChatRequestReceived[] = [];
  const cancelled: string[] = [];
  const created: string[] = [];
  const service = createChatService({
    router,
    conversations: {
      exists: (tenantId, conversationId) => Promise.resolve(tenantId === 'tenant-a' && conversationId === 'known'),
      create: (conversation) => {
        if (failCreate) return Promise.reject(new Error('database down'));
        created.push(conversation.conversationId);
        return Promise.resolve();
      },
    },
    publisher: { publish: (event) => (failPublish ? Promise.reject(new Error('broker down')) : (published.push(event), Promise.resolve())) },
    cancelSignal: { cancel: (requestId) => (cancelled.push(requestId), Promise.resolve()) },
    route: { ingressInstanceId: 'ingress-a', partition: 2 },
    requestTimeoutMs: timeoutMs,
  });
  return { router, published, cancelled, created, service };
};

const recorder = () => {
  const calls: string[] = [];
  const listener: ReplyListener = {
    sources: () => calls.push('sources'), delta: (text) => calls.push(`delta:${text}`), reset: () => calls.push('reset'), failover: () => calls.push('failover'),
    done: () => calls.push('done'), error: (error) => calls.push(`error:${error.code}`),
  };
  return { calls, listener };
};

test('a new conversation is stored by the time its first turn is accepted, marked new, with this instance\'s route and a deadline', async () => {
  const { service, published, created } = setup();
  const accepted = await service.submit(principal, chatFrameSubmission({ message: 'Hello?' }, 'f1'), recorder().listener);
  assert.deepEqual(created, [accepted.conversationId]);
  const request = published[0]!.payload.request;
  assert.equal(request.requestId, accepted.requestId);
  assert.deepEqual(request.replyRoute, { ingressInstanceId: 'ingress-a', partition: 2 });
  assert.equal(request.clientRequestId, 'f1');
  assert.equal(request.apiKeyId, 'key-1');
  assert.ok(request.deadlineAt > request.acceptedAt!);
  assert.equal(request.newConversation, true, 'the generation worker reads no history for it');
  assert.equal(published[0]!.tenantId, 'tenant-a');
});

test('a turn of a known conversation is not marked new', async () => {
  const { service, published } = setup();
  await service.submit(principal, chatFrameSubmission({ message: 'And then?', conversationId: 'known' }, 'f2'), recorder().listener);
  assert.equal(published[0]!.payload.request.newConversation, false);
});

test('a conversation that cannot be stored fails the request (retryable) and stops what was published', async () => {
  const { service, router, published, cancelled } = setup({ failCreate: true });
  await assert.rejects(service.submit(principal, chatFrameSubmission({ message: 'x' }, 'f'), recorder().listener),
    (error: unknown) => error instanceof IngressError && error.retriable && error.httpStatus === 503 && /conversation could not be stored/.test(error.message));
  assert.equal(published.length, 1);
  assert.deepEqual(cancelled, [published[0]!.payload.request.requestId], 'the workers were told to stop');
  assert.equal(router.size, 0);
});

test('a conversation id that is not this tenant\'s is not_found, and nothing is published', async () => {
  const { service, published } = setup();
  await assert.rejects(service.submit({ ...principal, tenantId: 'tenant-b' }, chatFrameSubmission({ message: 'x', conversationId: 'known' }, 'f'), recorder().listener),
    (error: unknown) => error instanceof IngressError && error.code === 'not_found');
  assert.equal(published.length, 0);
});

test('replies are held until the caller opens the request, so nothing overtakes its ack', async () => {
  const { service, router } = setup();
  const { calls, listener } = recorder();
  const accepted = await service.submit(principal, chatFrameSubmission({ message: 'x' }, 'f'), listener);
  router.deliver({ eventId: 'e', tenantId: 't', correlationId: 'c', occurredAt: 0, payload: { requestId: accepted.requestId, attemptId: 'a', seq: 0, content: 'Hi', reset: false, sources: [], failover: null } });
  assert.deepEqual(calls, []);
  accepted.open();
  assert.deepEqual(calls, ['sources', 'delta:Hi']);
});

test('no answer within the request timeout ends the request with a retryable timeout', async () => {
  const { service } = setup({ timeoutMs: 30 });
  const { calls, listener } = recorder();
  (await service.submit(principal, chatFrameSubmission({ message: 'x' }, 'f'), listener)).open();
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(calls, ['error:timeout']);
});

test('cancel ends the request with cancelled at once and signals the workers; a second cancel finds nothing', async () => {
  const { service, cancelled } = setup();
  const { calls, listener } = recorder();
  const accepted = await service.submit(principal, chatFrameSubmission({ message: 'x' }, 'f'), listener);
  accepted.open();
  assert.equal(await service.cancel(accepted.requestId), true);
  assert.deepEqual(calls, ['error:cancelled']);
  assert.deepEqual(cancelled, [accepted.requestId]);
  assert.equal(await service.cancel(accepted.requestId), false);
});

test('a cancel that cannot reach the workers still ends the request once, without a second error', async () => {
  const { router } = setup();
  const failures: string[] = [];
  const service = createChatService({
    router, conversations: { exists: () => Promise.resolve(true), create: () => Promise.resolve() }, publisher: { publish: () => Promise.resolve() },
    cancelSignal: { cancel: () => Promise.reject(new Error('redis down')) }, route: { ingressInstanceId: 'i', partition: 0 }, requestTimeoutMs: 60_000,
    onCancelSignalFailed: (requestId) => failures.push(requestId),
  });
  const { calls, listener } = recorder();
  const accepted = await service.submit(principal, chatFrameSubmission({ message: 'x' }, 'f'), listener);
  accepted.open();
  assert.equal(await service.cancel(accepted.requestId), true);
  assert.deepEqual(calls, ['error:cancelled']);
  assert.deepEqual(failures, [accepted.requestId]);
});

test('a publish failure is a retryable error and leaves nothing waiting', async () => {
  const { service, router } = setup({ failPublish: true });
  await assert.rejects(service.submit(principal, chatFrameSubmission({ message: 'x' }, 'f'), recorder().listener),
    (error: unknown) => error instanceof IngressError && error.retriable && error.httpStatus === 503);
  assert.equal(router.size, 0);
});

test('chat frames and OpenAI bodies are checked with errors that name the field', () => {
  const invalid = (run: () => unknown, pattern: RegExp) => assert.throws(run, (error: unknown) => error instanceof IngressError && error.code === 'invalid_request' && pattern.test(error.message));
  invalid(() => chatFrameSubmission({}, 'f'), /"message" must be a non-empty string/);
  invalid(() => chatFrameSubmission({ message: 'a'.repeat(32_001) }, 'f'), /32000/);
  invalid(() => chatFrameSubmission({ message: 'x', topK: 51 }, 'f'), /"topK" must be an integer from 1 to 50/);
  invalid(() => chatFrameSubmission({ message: 'x', filters: { a: { b: 1 } } }, 'f'), /"filters\.a" must be a string, a finite number or a boolean/);
  invalid(() => completionRequestOf({ messages: [] }), /"messages" must be a non-empty array/);
  invalid(() => completionRequestOf({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }), /last entry of "messages" must be the user's question/);
  invalid(() => completionRequestOf({ messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }), /text part/);

  const parsed = completionRequestOf({
    model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, max_tokens: 64, user: 'u-1', conversation_id: 'conv-9',
    rag: { collection: 'manuals', top_k: 3, filters: { lang: 'en' } },
    messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'first' }, { role: 'assistant', content: 'one' }, { role: 'user', content: [{ type: 'text', text: 'second' }] }],
  });
  assert.deepEqual(
    { stream: parsed.stream, usage: parsed.includeUsage, message: parsed.submission.message, history: parsed.submission.history, topK: parsed.submission.topK, collection: parsed.submission.collection, filters: parsed.submission.filters, conversation: parsed.submission.conversationId, max: parsed.submission.maxOutputTokens, user: parsed.submission.userId },
    { stream: true, usage: true, message: 'second', history: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'one' }], topK: 3, collection: 'manuals', filters: { lang: 'en' }, conversation: 'conv-9', max: 64, user: 'u-1' },
  );
  assert.equal(completionRequestOf({ rag: false, messages: [{ role: 'user', content: 'q' }] }).submission.rag, false);
});

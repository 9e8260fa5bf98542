// The ingress starts each request's trace: a root span whose traceparent is on the first event,
// ended with the request's outcome. A recording tracer stands in for OpenTelemetry's (whose own
// export is tested in @rivulet/observability and end to end in e2e/test/tracing.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, type SpanOptions, type SpanOutcome, type Tracer } from '@rivulet/observability';
import type { ChatRequestReceived, DocumentReceived, ReplyEnd } from '@rivulet/schemas';
import { chatFrameSubmission } from '../src/chat/chat-input.js';
import { createChatService } from '../src/chat/chat-service.js';
import { ReplyRouter, type ReplyListener } from '../src/chat/reply-router.js';
import { createDocumentService } from '../src/documents/document-service.js';
import type { DocumentStore } from '../src/documents/document-store.js';
import { startRequestTrace } from '../src/request-trace.js';

const principal = { keyId: 'key-1', tenantId: 'tenant-a' };
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

interface RecordedSpan { options: SpanOptions; traceparent: string; ended: SpanOutcome | undefined; ends: number }

const recordingTracer = () => {
  const spans: RecordedSpan[] = [];
  const tracer: Tracer = {
    startSpan: (options) => {
      const span: RecordedSpan = { options, traceparent: `00-${'ab'.repeat(16)}-${spans.length.toString(16).padStart(16, '0')}-01`, ended: undefined, ends: 0 };
      spans.push(span);
      return {
        traceparent: span.traceparent,
        end: (outcome) => {
          span.ends += 1;
          span.ended = outcome ?? {};
        },
      };
    },
  };
  return { tracer, spans };
};

const silentListener: ReplyListener = { sources: () => undefined, delta: () => undefined, reset: () => undefined, failover: () => undefined, done: () => undefined, error: () => undefined };

const chatSetup = (tracer: Tracer | undefined, timeoutMs = 60_000) => {
  const router = new ReplyRouter();
  const published: { event: ChatRequestReceived; traceparent: string | undefined }[] = [];
  const service = createChatService({
    router, tracer, requestTimeoutMs: timeoutMs, route: { ingressInstanceId: 'ingress-a', partition: 0 },
    conversations: { exists: (_tenant, id) => Promise.resolve(id === 'known'), create: () => Promise.resolve() },
    publisher: { publish: (event, traceparent) => (published.push({ event, traceparent }), Promise.resolve()) },
    cancelSignal: { cancel: () => Promise.resolve() },
  });
  return { router, published, service };
};

const replyEnd = (requestId: string): ReplyEnd => ({
  eventId: 'e', tenantId: 'tenant-a', correlationId: requestId, occurredAt: 0,
  payload: {
    requestId, kind: 'chat', attemptId: 'a', conversationId: 'c', messageId: 'm', status: 'done', content: 'hi', finishReason: 'stop', model: 'm', provider: 'p',
    usage: { inputTokens: 1, outputTokens: 1 }, servedBy: [], latencyMs: 1, costUsd: null, sources: [], error: null,
  },
});

test('a chat request\'s root span: SERVER, named by kind, with request id and tenant; its traceparent is on the published event; it ends with the answer', async () => {
  const { tracer, spans } = recordingTracer();
  const { router, published, service } = chatSetup(tracer);
  const accepted = await service.submit(principal, chatFrameSubmission({ message: 'Hello?' }, 'f1'), silentListener);
  accepted.open();
  assert.equal(spans.length, 1);
  const [span] = spans;
  assert.deepEqual([span!.options.name, span!.options.kind, span!.options.parent], ['chat request', 'server', undefined]);
  assert.deepEqual(span!.options.attributes, { 'rivulet.request_id': accepted.requestId, 'rivulet.tenant_id': 'tenant-a', 'rivulet.request.kind': 'chat' });
  assert.equal(published[0]!.traceparent, span!.traceparent, 'the first event carries the root span');
  assert.equal(span!.ends, 0, 'open until the answer ends');
  router.deliver(replyEnd(accepted.requestId));
  assert.deepEqual(span!.ended, { attributes: { 'rivulet.outcome': 'done' } });
});

test('a request that times out ends its span as an ERROR with the code; a cancel and an abandoned caller are not errors', async () => {
  const { tracer, spans } = recordingTracer();
  const { service } = chatSetup(tracer, 50);
  const timedOut = await service.submit(principal, chatFrameSubmission({ message: 'slow' }, 't'), silentListener);
  timedOut.open();
  const cancelled = await service.submit(principal, chatFrameSubmission({ message: 'stop' }, 'c'), silentListener);
  cancelled.open();
  await service.cancel(cancelled.requestId);
  const search = await service.submit(principal, { ...chatFrameSubmission({ message: 'gone' }, 'g'), kind: 'search' }, silentListener);
  service.abandon(search.requestId);
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(spans[0]!.ended?.error?.code, 'timeout');
  assert.deepEqual(spans[1]!.ended, { attributes: { 'rivulet.outcome': 'cancelled' } });
  assert.equal(spans[2]!.options.name, 'search request');
  assert.deepEqual(spans[2]!.ended, { attributes: { 'rivulet.outcome': 'abandoned' } });
  assert.ok(spans.every(({ ends }) => ends === 1), 'each span ended once');
});

test('a request refused before publishing (unknown conversation) ends its span with the code', async () => {
  const { tracer, spans } = recordingTracer();
  const { service, published } = chatSetup(tracer);
  await assert.rejects(service.submit(principal, chatFrameSubmission({ message: 'x', conversationId: 'unknown' }, 'u'), silentListener));
  assert.equal(published.length, 0);
  assert.equal(spans[0]!.ended?.error?.code, 'not_found');
});

test('tracing off: each request still starts a trace of its own in the header', async () => {
  const { published, service } = chatSetup(undefined);
  await service.submit(principal, chatFrameSubmission({ message: 'a' }, 'a'), silentListener);
  await service.submit(principal, chatFrameSubmission({ message: 'b' }, 'b'), silentListener);
  assert.match(published[0]!.traceparent ?? '', TRACEPARENT);
  assert.notEqual(published[0]!.traceparent?.slice(3, 35), published[1]!.traceparent?.slice(3, 35), 'one trace per request');
  const trace = startRequestTrace(undefined, { kind: 'chat', requestId: 'r', tenantId: 't' });
  trace.end('done');
});

test('an upload and a delete each get a root span, on their document-received event, ended when accepted', async () => {
  const { tracer, spans } = recordingTracer();
  const sent: { event: DocumentReceived; traceparent: string | undefined }[] = [];
  const store: DocumentStore = {
    recordPending: () => Promise.resolve(), markAccepted: () => Promise.resolve(true), find: () => Promise.resolve(undefined),
    clearVersion: () => Promise.resolve({ previousVersion: 'v1' }), restoreVersion: () => Promise.resolve(),
  };
  const documents = createDocumentService({
    store, maxDocumentBytes: 1000, logger: createLogger({ name: 'test', level: 'silent' }), tracer,
    publisher: { publish: (event, traceparent) => (sent.push({ event, traceparent }), Promise.resolve()) },
  });
  const prepared = documents.prepareUpsert(principal, {
    documentId: 'doc-1', collection: 'docs', title: null, fileName: null, mimeType: 'text/plain', content: Buffer.from('text'), metadata: {},
  }, 'req-ingest');
  await documents.upsert(prepared);
  await documents.remove(principal, { tenantId: 'tenant-a', collection: 'docs', documentId: 'doc-1' }, 'req-delete');
  assert.deepEqual(spans.map(({ options }) => [options.name, options.attributes?.['rivulet.request_id']]), [['ingest request', 'req-ingest'], ['delete request', 'req-delete']]);
  assert.deepEqual(sent.map(({ traceparent }) => traceparent), spans.map(({ traceparent }) => traceparent));
  assert.deepEqual(spans.map(({ ended }) => ended), [{ attributes: { 'rivulet.outcome': 'accepted' } }, { attributes: { 'rivulet.outcome': 'accepted' } }]);
});

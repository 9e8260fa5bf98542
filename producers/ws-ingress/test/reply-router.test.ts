import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplyDelta, ReplyEnd } from '@rivulet/schemas';
import { ReplyRouter, type ReplyListener } from '../src/chat/reply-router.js';

const envelope = { eventId: 'e', tenantId: 't', correlationId: 'r1', occurredAt: 0 };
const delta = (attemptId: string, seq: number, content: string, sources: ReplyDelta['payload']['sources'] = null): ReplyDelta =>
  ({ ...envelope, payload: { requestId: 'r1', attemptId, seq, content, reset: false, sources: seq === 0 ? sources ?? [] : sources, failover: null } });
const end = (attemptId: string, content: string, status: 'done' | 'error' = 'done'): ReplyEnd => ({
  ...envelope,
  payload: {
    requestId: 'r1', kind: 'chat', attemptId, conversationId: 'c1', messageId: 'm1', status, content, finishReason: 'stop', model: 'm', provider: 'p',
    usage: { inputTokens: 1, outputTokens: 2 }, servedBy: [], latencyMs: 3, costUsd: null, sources: [],
    error: status === 'error' ? { code: 'provider_unavailable', message: 'down', retryable: true, retryAfterMs: null } : null,
  },
});

const recorder = () => {
  const calls: string[] = [];
  const listener: ReplyListener = {
    sources: (sources) => calls.push(`sources:${sources.length}`),
    delta: (content) => calls.push(`delta:${content}`),
    reset: () => calls.push('reset'),
    failover: (marker) => calls.push(`failover:${marker.from}>${marker.to}`),
    done: (payload) => calls.push(`done:${payload.content}`),
    error: (error) => calls.push(`error:${error.code}`),
  };
  return { calls, listener };
};

test('deltas reach the listener in order, then one terminal event, and later events are ignored', () => {
  const router = new ReplyRouter();
  const { calls, listener } = recorder();
  router.register('r1', listener);
  assert.equal(router.deliver(delta('a', 0, '', [{ n: 1, documentId: 'd', chunkId: 'c', title: null, score: 1, snippet: 's' }])), 'delivered');
  router.deliver(delta('a', 1, 'Hel'));
  assert.equal(router.deliver(delta('a', 1, 'Hel')), 'duplicate');
  router.deliver(delta('a', 2, 'lo'));
  router.deliver(end('a', 'Hello'));
  assert.equal(router.deliver(end('a', 'Hello')), 'unknown_request');
  assert.deepEqual(calls, ['sources:1', 'delta:Hel', 'delta:lo', 'done:Hello']);
  assert.equal(router.size, 0);
});

test('a new attempt after text was delivered resets the listener; the old attempt\'s late events are dropped', () => {
  const router = new ReplyRouter();
  const { calls, listener } = recorder();
  router.register('r1', listener);
  router.deliver(delta('old', 0, 'par'));
  router.deliver(delta('new', 0, 'Full'));
  assert.equal(router.deliver(delta('old', 1, 'tial')), 'stale_attempt');
  router.deliver(delta('new', 1, ' answer'));
  assert.equal(router.deliver(end('old', 'partial')), 'stale_attempt');
  router.deliver(end('new', 'Full answer'));
  assert.deepEqual(calls, ['sources:0', 'delta:par', 'reset', 'sources:0', 'delta:Full', 'delta: answer', 'done:Full answer']);
});

test('an error end and a local failure each end the request once', () => {
  const router = new ReplyRouter();
  const first = recorder();
  router.register('r1', first.listener);
  router.deliver(end('a', '', 'error'));
  assert.deepEqual(first.calls, ['error:provider_unavailable']);
  const second = recorder();
  router.register('r1', second.listener);
  assert.equal(router.fail('r1', { code: 'timeout', message: 'late', retryable: true }), true);
  assert.equal(router.fail('r1', { code: 'timeout', message: 'late', retryable: true }), false);
  assert.equal(router.deliver(end('a', 'x')), 'unknown_request');
  assert.deepEqual(second.calls, ['error:timeout']);
});

test('a search answer (an end with no deltas) delivers its sources before done', () => {
  const router = new ReplyRouter();
  const { calls, listener } = recorder();
  router.register('r1', listener);
  router.deliver(end('s', ''));
  assert.deepEqual(calls, ['sources:0', 'done:']);
});

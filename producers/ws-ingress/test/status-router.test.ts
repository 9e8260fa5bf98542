import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DocumentIndexed, DocumentIndexedPayload } from '@rivulet/schemas';
import { StatusRouter, type IngestStatusFrame, type StatusTarget } from '../src/index.js';

const reference = { tenantId: 'tenant-a', collection: 'docs', documentId: 'doc-1' };

const status = (payload: Partial<DocumentIndexedPayload> & Pick<DocumentIndexedPayload, 'status'>, tenantId = 'tenant-a'): DocumentIndexed => ({
  eventId: 'event', tenantId, correlationId: 'request', occurredAt: 0,
  payload: { documentId: 'doc-1', collection: 'docs', documentVersion: 'sha256:v1', chunkCount: 0, error: null, ...payload },
});

const recorder = (): StatusTarget & { frames: IngestStatusFrame[] } => {
  const frames: IngestStatusFrame[] = [];
  return { frames, send: (frame) => frames.push(frame) };
};

test('statuses that arrive while the ingest is being published wait for accepted, then follow in order', () => {
  const router = new StatusRouter();
  const target = recorder();
  const watch = router.watch(target, 'frame-1', reference, 'upsert', 'sha256:v1');
  router.deliver(status({ status: 'processing', chunkCount: 4 }));
  assert.deepEqual(target.frames, [], 'held until open()');
  target.send({ type: 'ingest_status', id: 'frame-1', documentId: 'doc-1', status: 'accepted' });
  watch.open();
  router.deliver(status({ status: 'completed', chunkCount: 4 }));
  assert.deepEqual(target.frames.map(({ status: value, chunks }) => [value, chunks]), [['accepted', undefined], ['processing', 4], ['completed', 4]]);
  assert.equal(router.size, 0, 'a terminal status ends the watch');
});

test('other versions, other tenants and unknown statuses are not forwarded; failures carry the error', () => {
  const router = new StatusRouter();
  const target = recorder();
  router.watch(target, 'frame-1', reference, 'upsert', 'sha256:v1').open();
  assert.deepEqual(router.deliver(status({ status: 'completed', documentVersion: 'sha256:v0' })), ['other_version']);
  assert.deepEqual(router.deliver(status({ status: 'completed' }, 'tenant-b')), ['unwatched']);
  assert.deepEqual(router.deliver(status({ status: 'exploded' })), ['unknown_status']);
  router.deliver(status({ status: 'failed', error: { code: 'invalid_request', message: 'Unreadable PDF.', retryable: false, retryAfterMs: null } }));
  assert.deepEqual(target.frames, [{
    type: 'ingest_status', id: 'frame-1', documentId: 'doc-1', status: 'failed', error: { code: 'invalid_request', message: 'Unreadable PDF.', retryable: false },
  }]);
});

test('a delete watch hears deleted; a closed target is forgotten; a target that throws does not stop the others', () => {
  const router = new StatusRouter();
  const deleting = recorder();
  const broken: StatusTarget = {
    send: () => {
      throw new Error('socket gone');
    },
  };
  const closing = recorder();
  router.watch(deleting, 'del', reference, 'delete', null).open();
  router.watch(broken, 'up', reference, 'upsert', 'sha256:v1').open();
  router.watch(closing, 'up2', reference, 'upsert', 'sha256:v1').open();
  router.forget(closing);
  assert.doesNotThrow(() => router.deliver(status({ status: 'deleted', documentVersion: null })));
  assert.deepEqual(deleting.frames, [{ type: 'ingest_status', id: 'del', documentId: 'doc-1', status: 'deleted' }]);
  assert.deepEqual(closing.frames, []);
  assert.equal(router.size, 0);
});

test('a newer watch of the same document on the same target replaces the older one; cancel removes it', () => {
  const router = new StatusRouter();
  const target = recorder();
  router.watch(target, 'first', reference, 'upsert', 'sha256:v1').open();
  const second = router.watch(target, 'second', reference, 'upsert', 'sha256:v2');
  assert.equal(router.size, 1);
  second.cancel();
  assert.equal(router.size, 0);
});

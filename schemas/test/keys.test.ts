import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_TYPE_NAMES, chunkKey, documentKey, eventKey } from '../src/index.js';
import type { EventType } from '../src/index.js';
import { SAMPLES } from './samples.js';

const keyOf = <T extends EventType>(type: T) => eventKey({ ...SAMPLES[type], type });

await test('keys: chat events by conversation, replies by request, ingestion by document or chunk', () => {
  for (const type of ['chat-request-received', 'query-embedded', 'context-retrieved', 'message-persisted'] as const) assert.equal(keyOf(type), 'conv-1', type);
  assert.equal(keyOf('reply-delta'), 'req-1');
  assert.equal(keyOf('reply-end'), 'req-1');
  assert.equal(keyOf('document-received'), 'tenant-acme/default/guide%2Fkeys.md');
  assert.equal(keyOf('document-indexed'), keyOf('document-received'), 'statuses follow their document');
  assert.equal(keyOf('chunk-created'), 'tenant-acme/default/guide%2Fkeys.md/0');
  assert.equal(keyOf('chunk-embedded'), keyOf('chunk-created'), 'an embedded chunk keeps its chunk key');
  assert.deepEqual(keyOf('event-dead-lettered'), Buffer.from('conv-1'));
  assert.equal(keyOf('usage-recorded'), 'tenant-acme', 'usage is aggregated per tenant');
  for (const type of EVENT_TYPE_NAMES) assert.notEqual(keyOf(type), undefined, type);
});

await test('keys: ids containing "/" never make two documents share a key', () => {
  assert.notEqual(documentKey({ tenantId: 'a', collection: 'b/c', documentId: 'd' }), documentKey({ tenantId: 'a/b', collection: 'c', documentId: 'd' }));
  assert.notEqual(chunkKey({ tenantId: 'a', collection: 'b', documentId: 'd/1' }, 2), chunkKey({ tenantId: 'a', collection: 'b', documentId: 'd' }, 1));
});

await test('keys: every version of one chunk index shares a key; other indexes do not', () => {
  const document = { tenantId: 't', collection: 'default', documentId: 'doc' };
  assert.equal(chunkKey(document, 3), chunkKey({ ...document }, 3));
  assert.notEqual(chunkKey(document, 3), chunkKey(document, 4));
});

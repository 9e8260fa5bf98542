import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@rivulet/observability';
import type { DocumentReceived } from '@rivulet/schemas';
import { createDocumentService } from '../src/documents/document-service.js';
import type { DocumentStore, PendingVersion } from '../src/documents/document-store.js';
import { IngressError } from '../src/index.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const principal = { keyId: 'static-abc', tenantId: 'tenant-a' };
const submission = (text: string) => ({
  documentId: 'doc-1', collection: 'docs', title: null, fileName: null, mimeType: 'text/plain; charset=utf-8', content: Buffer.from(text), metadata: {},
});

/** An in-memory documents table with the same rules as the SQL (see document-queries.ts). */
const memoryStore = () => {
  const rows = new Map<string, { status: string; version: string | null; errorMessage: string | null }>();
  const calls: string[] = [];
  const store: DocumentStore = {
    recordPending: (pending: PendingVersion) => {
      calls.push('recordPending');
      rows.set(pending.reference.documentId, { status: 'failed', version: pending.version, errorMessage: pending.pendingMessage });
      return Promise.resolve();
    },
    markAccepted: (pending) => {
      calls.push('markAccepted');
      const row = rows.get(pending.reference.documentId);
      if (row?.version !== pending.version || row.status !== 'failed' || row.errorMessage !== pending.pendingMessage) return Promise.resolve(false);
      rows.set(pending.reference.documentId, { status: 'accepted', version: row.version, errorMessage: null });
      return Promise.resolve(true);
    },
    find: () => Promise.resolve(undefined),
    clearVersion: (reference) => {
      calls.push('clearVersion');
      const row = rows.get(reference.documentId);
      if (!row) return Promise.resolve(undefined);
      const previousVersion = row.version;
      row.version = null;
      return Promise.resolve({ previousVersion });
    },
    restoreVersion: (reference, version) => {
      calls.push('restoreVersion');
      const row = rows.get(reference.documentId);
      if (row && row.version === null) row.version = version;
      return Promise.resolve();
    },
  };
  return { store, rows, calls };
};

const failingPublisher = { publish: (): Promise<void> => Promise.reject(new Error('broker down')) };

test('an upsert writes the row before publishing and marks it accepted only after Kafka acknowledged', async () => {
  const { store, rows, calls } = memoryStore();
  const published: DocumentReceived[] = [];
  const service = createDocumentService({
    store, maxDocumentBytes: 1000, logger,
    publisher: {
      publish: (event) => {
        calls.push('publish');
        assert.equal(rows.get('doc-1')?.version, event.payload.contentHash, 'the row names the version before the event exists');
        published.push(event);
        return Promise.resolve();
      },
    },
  });
  await service.upsert(service.prepareUpsert(principal, submission('hello'), 'request-1'));
  assert.deepEqual(calls, ['recordPending', 'publish', 'markAccepted']);
  assert.equal(rows.get('doc-1')?.status, 'accepted');
  assert.equal(published[0]?.correlationId, 'request-1');
  assert.equal(published[0]?.payload.apiKeyId, 'static-abc');
});

test('when Kafka does not acknowledge, the answer is 503 retryable and the row says failed, never accepted', async () => {
  const { store, rows } = memoryStore();
  const service = createDocumentService({ store, publisher: failingPublisher, maxDocumentBytes: 1000, logger });
  await assert.rejects(service.upsert(service.prepareUpsert(principal, submission('hello'), 'request-2')), (error: IngressError) =>
    error.code === 'internal' && error.retriable && error.httpStatus === 503);
  assert.equal(rows.get('doc-1')?.status, 'failed');
  assert.match(rows.get('doc-1')?.errorMessage ?? '', /not queued.*request-2.*Send it again/);
});

test('a delete that cannot be published puts the version back; an unknown document is not_found', async () => {
  const { store, rows, calls } = memoryStore();
  rows.set('doc-1', { status: 'completed', version: 'sha256:v1', errorMessage: null });
  const service = createDocumentService({ store, publisher: failingPublisher, maxDocumentBytes: 1000, logger });
  const reference = { tenantId: 'tenant-a', collection: 'docs', documentId: 'doc-1' };
  await assert.rejects(service.remove(principal, reference, 'request-3'), IngressError);
  assert.deepEqual(calls, ['clearVersion', 'restoreVersion']);
  assert.deepEqual(rows.get('doc-1'), { status: 'completed', version: 'sha256:v1', errorMessage: null });
  await assert.rejects(service.remove(principal, { ...reference, documentId: 'nope' }, 'request-4'), (error: IngressError) => error.code === 'not_found');
});

test('a document over the limit is payload_too_large before anything is stored', () => {
  const { store, calls } = memoryStore();
  const service = createDocumentService({ store, publisher: failingPublisher, maxDocumentBytes: 4, logger });
  assert.throws(() => service.prepareUpsert(principal, submission('hello'), 'request-5'), (error: IngressError) => error.code === 'payload_too_large' && error.httpStatus === 413);
  assert.deepEqual(calls, []);
});

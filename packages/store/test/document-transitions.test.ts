// The pipeline's document status transitions (document-status.ts) on the real PostgreSQL, in a
// schema of their own: each moves the latest version only, from the states its guard names.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  adoptDocumentVersion, completeDocumentVersion, markDocumentDeleted, markVersionAccepted, markVersionProcessing,
  recordPendingVersion, rejectDocumentVersion, withTenant, type DocumentRef, type PendingDocumentVersion, type PoolClient,
} from '../src/index.js';
import { testSchema } from '../src/testing.js';

const { pool, setUp, tearDown } = testSchema({ prefix: 'document_transitions_test', max: 4 });

const reference = (documentId: string): DocumentRef => ({ tenantId: 'tenant-a', collection: 'default', documentId });
const pending = (documentId: string, version: string, pendingMessage = `not queued: request of ${version}`): PendingDocumentVersion => ({
  document: reference(documentId), version, title: 'Title', fileName: 'a.txt', mimeType: 'text/plain', sizeBytes: 3, metadata: { team: 'x' }, pendingMessage,
});
const asTenant = <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => withTenant(pool, 'tenant-a', work);

interface Row {
  status: string;
  version: string | null;
  current_version: string | null;
  chunk_count: number;
  error_code: string | null;
  error_message: string | null;
}
const row = async (documentId: string): Promise<Row> => (await asTenant((client) => client.query<Row>(
  `SELECT status, version, current_version, chunk_count, error_code, error_message FROM documents WHERE document_id = $1`, [documentId]))).rows[0]!;

/** A document that went through the ingress and was accepted (version `version`). */
const accepted = async (documentId: string, version: string): Promise<void> => {
  await asTenant((client) => recordPendingVersion(client, pending(documentId, version)));
  assert.equal(await asTenant((client) => markVersionAccepted(client, pending(documentId, version))), true);
};

before(setUp);
after(tearDown);

test('a pending version reads failed "not queued" until the request that wrote it accepts it, and only that request', async () => {
  await asTenant((client) => recordPendingVersion(client, pending('doc-1', 'v1')));
  assert.deepEqual(await row('doc-1'), { status: 'failed', version: 'v1', current_version: null, chunk_count: 0, error_code: 'internal', error_message: 'not queued: request of v1' });
  assert.equal(await asTenant((client) => markVersionAccepted(client, pending('doc-1', 'v1', 'another request'))), false);
  assert.equal(await asTenant((client) => markVersionAccepted(client, pending('doc-1', 'v1'))), true);
  assert.deepEqual(await row('doc-1'), { status: 'accepted', version: 'v1', current_version: null, chunk_count: 0, error_code: null, error_message: null });
  assert.equal(await asTenant((client) => markVersionAccepted(client, pending('doc-1', 'v1'))), false, 'once accepted, it stays');
});

test('processing, a rejection and completion move the latest version only', async () => {
  await accepted('doc-2', 'v1');
  await asTenant((client) => markVersionProcessing(client, reference('doc-2'), 'v1'));
  assert.equal((await row('doc-2')).status, 'processing');
  assert.equal(await asTenant((client) => completeDocumentVersion(client, reference('doc-2'), 'v1', 4)), true);
  assert.deepEqual(await row('doc-2'), { status: 'completed', version: 'v1', current_version: 'v1', chunk_count: 4, error_code: null, error_message: null });

  await accepted('doc-2', 'v2');
  await asTenant((client) => markVersionProcessing(client, reference('doc-2'), 'v1'));
  await asTenant((client) => rejectDocumentVersion(client, reference('doc-2'), 'v1', { code: 'unsupported_type', message: 'late' }));
  assert.equal(await asTenant((client) => completeDocumentVersion(client, reference('doc-2'), 'v1', 9)), false, 'a step of the older version');
  assert.deepEqual(await row('doc-2'), { status: 'accepted', version: 'v2', current_version: 'v1', chunk_count: 4, error_code: null, error_message: null });

  await asTenant((client) => rejectDocumentVersion(client, reference('doc-2'), 'v2', { code: 'empty_document', message: 'x'.repeat(3_000) }));
  assert.equal((await row('doc-2')).status, 'failed');
  assert.equal((await row('doc-2')).error_message?.length, 2_000, 'the message shown to clients is capped');
  assert.equal(await asTenant((client) => completeDocumentVersion(client, reference('doc-2'), 'v1', 4)), false);
  assert.equal((await row('doc-2')).error_code, 'empty_document');
});

test('the ingestion worker may start a version the ingress has not flipped to accepted yet, but not a finished one', async () => {
  await asTenant((client) => recordPendingVersion(client, pending('doc-3', 'v1')));
  await asTenant((client) => markVersionProcessing(client, reference('doc-3'), 'v1'));
  assert.equal((await row('doc-3')).status, 'processing', 'the row before the flip');
  assert.equal(await asTenant((client) => markVersionAccepted(client, pending('doc-3', 'v1'))), false, 'the pipeline status wins over the flip');
  await asTenant((client) => completeDocumentVersion(client, reference('doc-3'), 'v1', 1));
  await asTenant((client) => markVersionProcessing(client, reference('doc-3'), 'v1'));
  await asTenant((client) => rejectDocumentVersion(client, reference('doc-3'), 'v1', { code: 'parse_failed', message: 'redelivered' }));
  assert.equal((await row('doc-3')).status, 'completed');
});

test('the indexer adopts a document it has no row for, and only then', async () => {
  assert.equal(await asTenant((client) => adoptDocumentVersion(client, reference('doc-4'), 'v1', 'Adopted')), true);
  assert.deepEqual(await row('doc-4'), { status: 'processing', version: 'v1', current_version: null, chunk_count: 0, error_code: null, error_message: null });
  assert.equal(await asTenant((client) => adoptDocumentVersion(client, reference('doc-4'), 'v2', 'Again')), false);
  assert.equal((await row('doc-4')).version, 'v1');
});

test('a document is deleted only once a delete cleared its version', async () => {
  await accepted('doc-5', 'v1');
  await asTenant((client) => completeDocumentVersion(client, reference('doc-5'), 'v1', 3));
  assert.equal(await asTenant((client) => markDocumentDeleted(client, reference('doc-5'))), false, 'an upload after the delete wins');
  assert.equal((await row('doc-5')).status, 'completed');
  await asTenant((client) => client.query(`UPDATE documents SET version = NULL WHERE document_id = $1`, ['doc-5']));
  assert.equal(await asTenant((client) => markDocumentDeleted(client, reference('doc-5'))), true);
  assert.deepEqual(await row('doc-5'), { status: 'deleted', version: null, current_version: null, chunk_count: 0, error_code: null, error_message: null });
});

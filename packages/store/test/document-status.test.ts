// failDocumentVersion and failStaleDocuments on the real PostgreSQL, in a schema of their own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failDocumentVersion, failStaleDocuments, withAllTenants, type FailedDocument } from '../src/index.js';
import { testSchema } from '../src/testing.js';

const { pool, setUp, tearDown } = testSchema({ prefix: 'document_status_test', max: 6 });
const MINUTE = 60_000;
const failure = { code: 'processing_failed', message: 'chunk 2 of 3 could not be embedded' };
const timeout = { code: 'processing_timeout', message: 'not finished within 30m' };

/** A document row as the pipeline leaves it: `status` of `version`, last moved on `minutesAgo` minutes ago. */
const insert = (tenantId: string, documentId: string, version: string, status: string, minutesAgo = 0) =>
  withAllTenants(pool, 'test: seed documents', (client) => client.query(
    `INSERT INTO documents (tenant_id, collection, document_id, version, status, updated_at) VALUES ($1, 'default', $2, $3, $4, now() - make_interval(mins => $5))`,
    [tenantId, documentId, version, status, minutesAgo]));

const row = async (tenantId: string, documentId: string) => (await withAllTenants(pool, 'test: read a document', (client) => client.query<{ status: string; version: string; error_code: string | null; error_message: string | null }>(
  `SELECT status, version, error_code, error_message FROM documents WHERE tenant_id = $1 AND document_id = $2`, [tenantId, documentId]))).rows[0]!;

const reference = (tenantId: string, documentId: string) => ({ tenantId, collection: 'default', documentId });

before(setUp);
after(tearDown);

test('failDocumentVersion fails the processing version with its reason, and says so again for a redelivery', async () => {
  await insert('t1', 'doc', 'v1', 'processing');
  assert.equal(await failDocumentVersion(pool, reference('t1', 'doc'), 'v1', failure), true);
  assert.deepEqual(await row('t1', 'doc'), { status: 'failed', version: 'v1', error_code: failure.code, error_message: failure.message });
  assert.equal(await failDocumentVersion(pool, reference('t1', 'doc'), 'v1', failure), true, 'a redelivered dead letter publishes its status again');
});

test('failDocumentVersion leaves a newer version alone, completed or processing, and a completed or deleted document', async () => {
  await insert('t2', 'replaced-done', 'v2', 'completed');
  await insert('t2', 'replaced-busy', 'v2', 'processing');
  await insert('t2', 'done', 'v1', 'completed');
  await insert('t2', 'parse-failed', 'v1', 'failed');
  for (const documentId of ['replaced-done', 'replaced-busy', 'done', 'parse-failed']) {
    assert.equal(await failDocumentVersion(pool, reference('t2', documentId), 'v1', failure), false, documentId);
  }
  assert.equal((await row('t2', 'replaced-done')).status, 'completed');
  assert.deepEqual(await row('t2', 'replaced-busy'), { status: 'processing', version: 'v2', error_code: null, error_message: null });
  assert.equal((await row('t2', 'done')).status, 'completed');
  assert.equal((await row('t2', 'parse-failed')).error_code, null, 'a failure with another reason keeps its own');
});

test('failStaleDocuments fails what is accepted or processing past the bound, and leaves recent, completed and failed ones', async () => {
  await insert('t3', 'stuck-processing', 'v1', 'processing', 45);
  await insert('t3', 'stuck-accepted', 'v1', 'accepted', 45);
  await insert('t3', 'recent', 'v1', 'processing', 5);
  await insert('t3', 'old-completed', 'v1', 'completed', 45);
  await insert('t3', 'old-failed', 'v1', 'failed', 45);
  await insert('t3', 'old-deleted', 'v1', 'deleted', 45);
  const published: FailedDocument[] = [];
  const failed = await failStaleDocuments(pool, { olderThan: new Date(Date.now() - 30 * MINUTE), failure: timeout, onFailed: (batch) => Promise.resolve(void published.push(...batch)) });
  assert.equal(failed, 2);
  assert.deepEqual(published.map(({ documentId }) => documentId).sort(), ['stuck-accepted', 'stuck-processing']);
  assert.deepEqual(published.find(({ documentId }) => documentId === 'stuck-processing'), { ...reference('t3', 'stuck-processing'), version: 'v1' });
  assert.deepEqual(await row('t3', 'stuck-processing'), { status: 'failed', version: 'v1', error_code: timeout.code, error_message: timeout.message });
  assert.equal((await row('t3', 'recent')).status, 'processing');
  assert.equal((await row('t3', 'old-completed')).status, 'completed');
  assert.equal((await row('t3', 'old-failed')).error_code, null);
  assert.equal((await row('t3', 'old-deleted')).status, 'deleted');
});

test('failStaleDocuments: a batch whose events cannot be published stays for the next round; two sweeps at once fail each document once', async () => {
  for (let index = 0; index < 7; index += 1) await insert('t4', `stuck-${index}`, 'v1', 'processing', 90);
  const olderThan = new Date(Date.now() - 60 * MINUTE);
  await assert.rejects(failStaleDocuments(pool, { olderThan, failure: timeout, onFailed: () => Promise.reject(new Error('Kafka down')) }), /Kafka down/);
  assert.equal((await row('t4', 'stuck-0')).status, 'processing', 'rolled back with its unpublished events');

  const published: string[] = [];
  // Each sweep holds its batch until both have taken one, so they run side by side.
  let arrived = 0;
  let bothIn: () => void = () => undefined;
  const together = new Promise<void>((resolve) => (bothIn = resolve));
  const onFailed = async (batch: readonly FailedDocument[]) => {
    published.push(...batch.map(({ documentId }) => documentId));
    arrived += 1;
    if (arrived === 2) bothIn();
    await Promise.race([together, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  };
  const counts = await Promise.all([1, 2].map(() => failStaleDocuments(pool, { olderThan, failure: timeout, batchSize: 4, onFailed })));
  assert.equal(counts[0]! + counts[1]!, 7);
  assert.equal(published.length, 7, `each document once: ${published.join(', ')}`);
  assert.equal(new Set(published).size, 7);
});

// The indexer's document sweep on the real PostgreSQL (a schema of its own) and Kafka (topics of
// its own): a document stuck past DOCUMENT_PROCESSING_TIMEOUT ends failed with the reason, and its
// document-indexed (failed) is on the topic the ingress's status feed reads.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { loadConfig } from '@rivulet/config';
import { TOPICS } from '@rivulet/schemas';
import { createService, type Service } from '@rivulet/service';
import { createTopicSandbox, testEnvironment, waitFor, type TopicSandbox } from '@rivulet/testing';
import { createPool, migrate, withAllTenants } from '@rivulet/store';
import { indexerConfigSchema, startDocumentSweep, sweepReason, type DocumentSweep } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const schema = `sweep_test_${randomBytes(4).toString('hex')}`;
const pool = createPool({ databaseUrl, schema, max: 4 });
const MINUTE = 60_000;
const TIMEOUT = 30 * MINUTE;
let sandbox: TopicSandbox;
/** The indexer's service as main.ts builds it (producer, logger, metrics), on the sandbox's topics. */
let service: Service;
const sweeps: DocumentSweep[] = [];

before(async () => {
  await migrate({ databaseUrl, schema });
  sandbox = await createTopicSandbox();
  service = createService('indexer-sweep-test', loadConfig(indexerConfigSchema, {
    DATABASE_URL: databaseUrl, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', KAFKA_BROKERS: testEnvironment.brokers.join(','),
    SCHEMA_REGISTRY_URL: testEnvironment.registryUrl, KAFKA_TOPIC_PREFIX: sandbox.prefix,
  }), { exit: () => undefined });
});
after(async () => {
  await Promise.all(sweeps.map((sweep) => sweep.stop()));
  await service?.stop();
  await sandbox?.close();
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});

const insert = (documentId: string, status: string, minutesAgo: number) => withAllTenants(pool, 'test: seed documents', (client) => client.query(
  `INSERT INTO documents (tenant_id, collection, document_id, version, status, chunk_count, updated_at) VALUES ('t1', 'default', $1, 'sha256:v1', $2, 0, now() - make_interval(mins => $3))`,
  [documentId, status, minutesAgo]));

const statuses = async () => Object.fromEntries((await withAllTenants(pool, 'test: read documents', (client) =>
  client.query<{ document_id: string; status: string; error_code: string | null }>(`SELECT document_id, status, error_code FROM documents ORDER BY document_id`))).rows
  .map((row) => [row.document_id, `${row.status}${row.error_code ? `:${row.error_code}` : ''}`]));

test('a round fails the document stuck past the timeout with the reason and publishes its failed status; recent and completed ones stay', { timeout: 60_000 }, async () => {
  await insert('stuck', 'processing', 45);
  await insert('waiting', 'accepted', 31);
  await insert('recent', 'processing', 10);
  await insert('done', 'completed', 120);
  const published = await sandbox.collect(TOPICS.documentsIndexed, ['document-indexed']);
  const sweep = startDocumentSweep({ pool, producer: service.producer, timeoutMs: TIMEOUT, intervalMs: 3_600_000, logger: service.logger, metrics: service.metrics });
  sweeps.push(sweep);

  assert.equal(await sweep.runRound(), 2);
  assert.deepEqual(await statuses(), { done: 'completed', recent: 'processing', stuck: 'failed:processing_timeout', waiting: 'failed:processing_timeout' });
  await waitFor(() => published.length >= 2, { description: 'two failed statuses' });
  const stuck = published.find(({ event }) => event.payload.documentId === 'stuck')!;
  assert.equal(stuck.key, 't1/default/stuck');
  // Spread: the decoded error is an Avro record instance.
  assert.deepEqual({ ...stuck.event.payload, error: { ...stuck.event.payload.error } }, {
    documentId: 'stuck', collection: 'default', documentVersion: 'sha256:v1', status: 'failed', chunkCount: 0,
    error: { code: 'processing_timeout', message: sweepReason(TIMEOUT), retryable: true, retryAfterMs: null },
  });
  assert.match(sweepReason(TIMEOUT), /^Not finished within 30m of its last step \(DOCUMENT_PROCESSING_TIMEOUT\)/);
  assert.equal(await sweep.runRound(), 0, 'nothing left to sweep');
});

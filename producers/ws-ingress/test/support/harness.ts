// An ingress started in-process on a free port against the real Kafka, registry and PostgreSQL,
// with two tenants of its own, a collector of document-received events and a status producer.
import { randomBytes } from 'node:crypto';
import { createKafkaClient, EventCodec, EventProducer, silentLogger } from '@rivulet/kafka';
import { documentKey, EVENT_TYPES, TOPICS, type DocumentIndexedPayload, type DocumentReceived, type EventRecords } from '@rivulet/schemas';
import { createPool, withAllTenants } from '@rivulet/store';
import { runIngress } from '../../src/index.js';
import { testEnvironment as environment, uniqueName, waitFor } from '@rivulet/testing';

export interface Collected {
  key: string | null;
  event: DocumentReceived;
}

export const createIngressHarness = async (overrides: Record<string, string> = {}) => {
  const tenants = { a: uniqueName('tenant-a'), b: uniqueName('tenant-b') };
  const keys = { a: `key-a-${randomBytes(12).toString('hex')}`, b: `key-b-${randomBytes(12).toString('hex')}` };
  const instanceId = uniqueName('test-ingress');
  const ingress = await runIngress({
    KAFKA_BROKERS: environment.brokers.join(','),
    SCHEMA_REGISTRY_URL: environment.registryUrl,
    DATABASE_URL: environment.databaseUrl,
    INGRESS_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RIVULET_API_KEYS: `${tenants.a}:${keys.a},${tenants.b}:${keys.b}`,
    INGEST_MAX_DOCUMENT_BYTES: '2MiB',
    WS_AUTH_TIMEOUT: '1s',
    INGRESS_INSTANCE_ID: instanceId,
    ...overrides,
  }, { exit: () => undefined });

  const kafka = createKafkaClient({ brokers: environment.brokers, clientId: uniqueName('ingress-test'), logger: silentLogger });
  const codec = new EventCodec<EventRecords>({ registryUrl: environment.registryUrl, catalog: EVENT_TYPES });
  const producer = new EventProducer<EventRecords>({ kafka, codec });
  const pool = createPool({ databaseUrl: environment.databaseUrl, max: 2 });
  const collections: string[] = [];
  const consumers: { disconnect(): Promise<void> }[] = [];

  /** A fresh collection name, removed from the documents table at close. */
  const collection = (): string => {
    const name = uniqueName('test-collection');
    collections.push(name);
    return name;
  };

  /** Every document-received published from now on (decoded through the registry). */
  const collectDocuments = async (): Promise<Collected[]> => {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(TOPICS.documents);
    await admin.disconnect();
    const received: Collected[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('ingress-test-collector') });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.documents], fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = await codec.decode(message.value).catch(() => undefined);
        if (decoded?.type === 'document-received') received.push({ key: message.key?.toString('utf8') ?? null, event: decoded.value });
      },
    });
    for (const { partition, offset } of offsets) consumer.seek({ topic: TOPICS.documents, partition, offset });
    return received;
  };

  /** Publishes a document-indexed event as the pipeline would. */
  const publishStatus = async (tenantId: string, payload: Pick<DocumentIndexedPayload, 'documentId' | 'collection' | 'status'> & Partial<DocumentIndexedPayload>): Promise<void> => {
    const full: DocumentIndexedPayload = { documentVersion: null, chunkCount: 0, error: null, ...payload };
    await producer.send([{
      topic: TOPICS.documentsIndexed,
      type: 'document-indexed',
      key: documentKey({ tenantId, collection: full.collection, documentId: full.documentId }),
      value: { eventId: uniqueName('event'), tenantId, correlationId: uniqueName('correlation'), occurredAt: Date.now(), payload: full },
    }]);
  };

  const request = (path: string, init: RequestInit & { key?: string } = {}): Promise<Response> => {
    const { key = keys.a, headers, ...rest } = init;
    return fetch(`${ingress.url}${path}`, { ...rest, headers: { authorization: `Bearer ${key}`, ...headers } });
  };

  /** Events the ingress's status feed has handled so far (from its own /metrics). */
  const statusEventsHandled = async (): Promise<number> => {
    const text = await (await fetch(`${ingress.url}/metrics`)).text();
    const group = `rivulet-ingress-status-${instanceId}`;
    return text.split('\n')
      .filter((line) => line.startsWith('rivulet_consumer_messages_total{') && line.includes(`group="${group}"`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  };

  // The status feed must own its partitions before a test publishes statuses.
  await waitFor(async () => (await fetch(`${ingress.url}/ready`)).status === 200, { description: 'the ingress to be ready', timeoutMs: 60_000 });

  const close = async (): Promise<void> => {
    await Promise.allSettled(consumers.map((consumer) => consumer.disconnect()));
    await ingress.stop();
    await producer.disconnect();
    if (collections.length > 0) {
      const { rows } = await withAllTenants(pool, 'test cleanup: the harness\'s collections, of both its tenants', (client) =>
        client.query<{ version: string | null }>('DELETE FROM documents WHERE collection = ANY($1) RETURNING version', [collections]));
      const versions = rows.map((row) => row.version).filter((version): version is string => version !== null);
      await pool.query('DELETE FROM document_blobs WHERE content_hash = ANY($1)', [versions]);
    }
    await pool.end();
  };

  return { ingress, url: ingress.url, wsUrl: `${ingress.url.replace(/^http/, 'ws')}/v1/ws`, tenants, keys, pool, codec, collection, collectDocuments, publishStatus, statusEventsHandled, request, close };
};

export type IngressHarness = Awaited<ReturnType<typeof createIngressHarness>>;

// A data team's own consumer can read every topic: Confluent's Python client with the registry's
// Avro deserializer (e2e/python/consume_all.py, no Rivulet code) decodes one event of every type
// that Rivulet's own EventProducer wrote, field for field.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createKafkaClient, deleteTopics, ensureTopics, EventCodec, EventProducer, silentLogger, type AnyOutgoingEvent } from '@rivulet/kafka';
import {
  EVENT_TYPES, TOPIC_FOR_EVENT_TYPE, TOPIC_SPECS, eventKey, topicConfig,
  type ChatRequest, type Chunk, type Embedding, type EventRecord, type EventRecords, type EventType, type RivuletEvent, type Source,
} from '@rivulet/schemas';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const home = process.env.RIVULET_HOME || fileURLToPath(new URL('../../.rivulet', import.meta.url));
/** Rebuilt only when requirements.txt or the Python version changes (the stamp holds their hash). */
const venv = join(home, 'python-e2e');
const stamp = join(venv, '.requirements.sha256');
const venvPython = join(venv, 'bin', 'python');
const requirements = fileURLToPath(new URL('../python/requirements.txt', import.meta.url));
const script = fileURLToPath(new URL('../python/consume_all.py', import.meta.url));
const prefix = `python-consumer-${randomBytes(4).toString('hex')}.`;
const kafka = createKafkaClient({ brokers, clientId: 'rivulet-python-consumer-test', logger: silentLogger });
const codec = new EventCodec<EventRecords>({ registryUrl, catalog: EVENT_TYPES });
const producer = new EventProducer<EventRecords>({ kafka, codec, topicPrefix: prefix });
let topicsCreated = false;

interface Run { code: number | null; stdout: string; stderr: string; error?: Error }

const run = (command: string, args: readonly string[], timeoutMs: number): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_NO_INPUT: '1', PYTHONUNBUFFERED: '1' } });
    // Our own timer (spawn's `timeout` would keep the process alive when the command does not exist).
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr, error });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: signal ? `${stderr}\nkilled by ${signal} after ${timeoutMs} ms` : stderr });
    });
  });

const tail = (text: string) => text.trim().split('\n').slice(-15).join('\n');

/** A virtualenv with requirements.txt installed; reused while the stamp matches. Fails (never skips) without python3, venv or pip. */
const pythonEnvironment = async (): Promise<string> => {
  const version = await run('python3', ['--version'], 30_000);
  assert.ok(version.code === 0, `python3 is required for this test and was not found or failed (${version.error?.message ?? tail(version.stderr)}); install Python 3 (Debian: apt-get install python3 python3-venv)`);
  const hash = createHash('sha256').update(await readFile(requirements)).update(version.stdout + version.stderr).digest('hex');
  if ((await readFile(stamp, 'utf8').catch(() => '')) === hash) return venvPython;
  await rm(venv, { recursive: true, force: true });
  const created = await run('python3', ['-m', 'venv', venv], 120_000);
  assert.equal(created.code, 0, `python3 -m venv failed; Debian's Python needs the python3-venv package (apt-get install python3-venv):\n${tail(created.stderr + created.stdout)}`);
  const installed = await run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', requirements], 540_000);
  assert.equal(installed.code, 0, `pip install -r e2e/python/requirements.txt failed (is PyPI reachable?):\n${tail(installed.stderr + installed.stdout)}`);
  await writeFile(stamp, hash);
  return venvPython;
};

// One event of every type, as in schemas/test/samples.ts (not exported by @rivulet/schemas). Each
// gets its own eventId so the decoded records can be matched to what was sent.
const envelope = (correlationId: string) => ({ eventId: randomUUID(), tenantId: 'tenant-acme', correlationId, occurredAt: 1_767_225_600_000 });
const request: ChatRequest = {
  requestId: 'req-1', clientRequestId: 'client-7', conversationId: 'conv-1', userId: null, apiKeyId: 'key-42', message: 'How do I rotate an API key? ключ 🔑',
  history: [{ role: 'system', content: 'Answer briefly.' }], model: 'auto', temperature: 0.2, maxOutputTokens: null, rag: true, collection: 'default', topK: 5,
  filters: { product: 'rivulet' }, replyRoute: { ingressInstanceId: 'ingress-a', partition: 3 }, kind: 'chat', acceptedAt: 1_767_225_600_000, deadlineAt: 1_767_225_660_000, newConversation: false,
};
const embedding: Embedding = { modelId: 'all-MiniLM-L6-v2', modelVersion: 'rev-1', dimension: 4, vector: [0.5, -0.25, 1, 0] };
const chunk: Chunk = {
  documentId: 'guide/keys.md', collection: 'default', documentVersion: `sha256:${'ab'.repeat(32)}`, chunkId: 'guide/keys.md#0', index: 0, chunkCount: 2,
  text: 'Keys are rotated with `rivulet keys revoke`.', startOffset: 0, endOffset: 44, contentHash: `sha256:${'cd'.repeat(32)}`, title: 'API keys', metadata: { product: 'rivulet' },
};
const source: Source = { n: 1, documentId: chunk.documentId, chunkId: chunk.chunkId, title: 'API keys', score: 0.875, snippet: 'Keys are rotated…' };
const SAMPLES: { [K in EventType]: EventRecord<K> } = {
  'chat-request-received': { ...envelope('req-1'), payload: { request } },
  'query-embedded': { ...envelope('req-1'), payload: { request, embedding } },
  'context-retrieved': { ...envelope('req-1'), payload: { request, chunks: [{ documentId: chunk.documentId, chunkId: chunk.chunkId, title: null, score: 0.875, snippet: 'Keys are…', content: chunk.text, metadata: {} }] } },
  'reply-delta': { ...envelope('req-1'), payload: { requestId: 'req-1', attemptId: 'attempt-1', seq: 0, content: 'Use ', reset: false, sources: [source], failover: null } },
  'reply-end': {
    ...envelope('req-1'),
    payload: {
      requestId: 'req-1', kind: 'chat', attemptId: 'attempt-1', conversationId: 'conv-1', messageId: 'msg-2', status: 'error', content: 'Use ', finishReason: 'error',
      model: 'gpt-4o-mini', provider: 'openai', usage: { inputTokens: 812, outputTokens: 1 }, servedBy: ['openai-mini'], latencyMs: 1234, costUsd: 0.000125,
      error: { code: 'provider_unavailable', message: 'Every provider failed; retry shortly.', retryable: true, retryAfterMs: 5000 }, sources: [source],
    },
  },
  'usage-recorded': {
    ...envelope('req-1'),
    payload: {
      requestId: 'req-1', attemptId: 'attempt-1', apiKeyId: 'key-42', requestedModel: 'auto', model: 'gpt-4o-mini', provider: 'openai',
      servedBy: ['openai-mini', 'claude-haiku'], inputTokens: 812, outputTokens: 40, costUsd: 0.000146, latencyMs: 1234, outcome: 'done', errorCode: null,
    },
  },
  'message-persisted': { ...envelope('req-1'), payload: { conversationId: 'conv-1', messageId: 'msg-1', role: 'user', requestId: 'req-1', tokens: 9 } },
  'document-received': {
    ...envelope('ingest-1'),
    payload: {
      documentId: 'guide/keys.md', collection: 'default', operation: 'upsert', title: 'API keys', fileName: 'keys.md', mimeType: 'text/markdown; charset=utf-8',
      content: Buffer.from([0xff, 0x00, 0x80, ...Buffer.from('# API keys\n')]), contentUri: null, contentHash: chunk.documentVersion, sizeBytes: 14, metadata: { product: 'rivulet' }, apiKeyId: 'key-42',
    },
  },
  'chunk-created': { ...envelope('ingest-1'), payload: { chunk } },
  'chunk-embedded': { ...envelope('ingest-1'), payload: { chunk, embedding } },
  'document-indexed': { ...envelope('ingest-1'), payload: { documentId: 'guide/keys.md', collection: 'default', documentVersion: chunk.documentVersion, status: 'completed', chunkCount: 2, error: null } },
  'event-dead-lettered': {
    ...envelope('req-1'),
    payload: {
      originalTopic: 'rivulet.chat.requests', originalPartition: 2, originalOffset: '9007199254740993', originalTimestamp: 1_767_225_599_000,
      originalKey: Buffer.from('conv-1'), originalValue: Buffer.from([0, 0, 0, 0, 7, 2, 4]),
      originalHeaders: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, consumerGroup: 'rivulet.embedding',
      errorCode: 'decode_failed', errorMessage: 'unknown schema id 7', retriable: false, attempts: 1, failedAt: 1_767_225_601_000,
    },
  },
};
const eventTypes = Object.keys(SAMPLES) as EventType[];

/** A TypeScript value as the Python script prints it: bytes as base64; longs and timestamp-millis are numbers on both sides. */
const normalise = (value: unknown): unknown => {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, normalise(field)]));
  return value;
};

interface DecodedLine { topic: string; partition: number; offset: number; key: string | null; keyEncoding: string | null; schemaId: number | null; recordName: string | null; value: { eventId: string } & Record<string, unknown> }

let python = '';
before(async () => {
  python = await pythonEnvironment();
  await ensureTopics(kafka, TOPIC_SPECS.map((spec) => ({ name: spec.name, partitions: spec.partitions, config: topicConfig(spec) })), { prefix });
  topicsCreated = true;
}, { timeout: 600_000 });

after(async () => {
  await producer.disconnect();
  if (topicsCreated) await deleteTopics(kafka, TOPIC_SPECS.map(({ name }) => prefix + name));
});

test('a Python consumer (confluent-kafka AvroDeserializer on the registry) decodes one event of every type from every topic, field for field', { timeout: 180_000 }, async () => {
  const keyOf = (type: EventType) => {
    const key = eventKey({ type, ...SAMPLES[type] } as RivuletEvent);
    return Buffer.isBuffer(key) ? key.toString('utf8') : key;
  };
  const events = eventTypes.map((type) => ({ topic: TOPIC_FOR_EVENT_TYPE[type], type, key: keyOf(type), value: SAMPLES[type] }) as AnyOutgoingEvent<EventRecords>);
  await producer.send(events);
  const schemaIds = Object.fromEntries(await Promise.all(eventTypes.map(async (type) => [type, await codec.schemaId(type)] as const)));

  const result = await run(python, [script, '--bootstrap-servers', brokers.join(','), '--registry-url', registryUrl, '--topic-prefix', prefix, '--timeout', '90', ...TOPIC_SPECS.map(({ name }) => name)], 120_000);
  assert.equal(result.code, 0, `consume_all.py exited ${result.code} ${result.error?.message ?? ''}:\n${tail(result.stderr)}`);
  const lines = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as DecodedLine);
  assert.equal(lines.length, eventTypes.length, `one record per event type, got ${lines.length}:\n${tail(result.stderr)}`);

  for (const type of eventTypes) {
    const line = lines.find((candidate) => candidate.value.eventId === SAMPLES[type].eventId);
    assert.ok(line, `${type}: not among the decoded records`);
    assert.equal(line.topic, prefix + TOPIC_FOR_EVENT_TYPE[type], `${type}: topic`);
    assert.equal(line.recordName, EVENT_TYPES[type].subject, `${type}: writer schema's record name`);
    assert.equal(line.schemaId, schemaIds[type], `${type}: schema id`);
    assert.deepEqual([line.key, line.keyEncoding], [keyOf(type), 'utf8'], `${type}: key`);
    assert.deepEqual(line.value, normalise(SAMPLES[type]), `${type}: decoded value`);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DocumentError, parseDocument, type ParsedDocument } from '@rivulet/documents';
import type { RetriableError} from '@rivulet/kafka';
import { tombstone, type HandlerContext, type HandlerOutput } from '@rivulet/kafka';
import { chunkKey, TOPICS, type EventRecords } from '@rivulet/schemas';
import { createIngestionHandler, type DocumentState, type DocumentStore } from '../src/index.js';

const baseContext = { eventType: 'document-received' } as HandlerContext<'document-received', EventRecords>;

/**
 * The store port in memory: one document row, and what the handler did to it (tombstones emitted
 * included, in order), with the context whose emitter records them.
 */
const memoryStore = (state: DocumentState | undefined, { deleted = true, blob }: { deleted?: boolean; blob?: Buffer } = {}) => {
  const calls: string[] = [];
  const store: DocumentStore = {
    state: () => Promise.resolve(state),
    blob: () => Promise.resolve(blob),
    markProcessing: (_reference, version, chunkKeys) => Promise.resolve(void calls.push(`processing ${version} keys ${chunkKeys}`)),
    markFailed: (_reference, version, error) => Promise.resolve(void calls.push(`failed ${version} ${error.code}`)),
    markUnchanged: (_reference, version) => Promise.resolve(void calls.push(`unchanged ${version}`)),
    delete: () => Promise.resolve((calls.push('delete'), deleted ? { chunkKeys: state?.chunkKeys ?? 0 } : undefined)),
    recordChunkKeys: (_reference, chunkKeys) => Promise.resolve(void calls.push(`keys ${chunkKeys}`)),
  };
  const batches: (readonly HandlerOutput<EventRecords>[])[] = [];
  const emit = (outputs: readonly HandlerOutput<EventRecords>[]) => Promise.resolve(void (batches.push(outputs), calls.push(`tombstones ${outputs.length}`)));
  return { store, calls, batches, context: { ...baseContext, emit } };
};

/** Splits on blank lines: a stand-in chunker (the real one is tested in @rivulet/documents). */
const paragraphs = (text: string) =>
  text.split(/\n\n+/).map((piece, index) => {
    const startOffset = text.indexOf(piece);
    return { index, text: piece, startOffset, endOffset: startOffset + piece.length, tokenCount: piece.split(' ').length, contentHash: `sha256:${index}` };
  });

const received = (operation: 'upsert' | 'delete', content: string | null, version = 'sha256:v1'): EventRecords['document-received'] => ({
  eventId: 'e1', tenantId: 'tenant-a', correlationId: 'request-1', occurredAt: Date.now(),
  payload: {
    documentId: 'doc', collection: 'default', operation, title: null, fileName: 'notes.md', mimeType: 'text/markdown',
    content: content === null ? null : Buffer.from(content), contentUri: null, contentHash: operation === 'upsert' ? version : null,
    sizeBytes: content?.length ?? 0, metadata: { team: 'docs' }, apiKeyId: null,
  },
});

const realParse = (input: { content: Buffer; mimeType?: string; fileName?: string }) => parseDocument(input);

test('an upload is parsed and chunked: one chunk-created per chunk, then a processing status', async () => {
  const { store, calls, context } = memoryStore({ version: 'sha256:v1', currentVersion: null, status: 'accepted', chunkCount: 0, chunkKeys: 0 });
  const handler = createIngestionHandler({ store, parse: realParse, chunk: paragraphs });
  const outputs = (await handler(received('upsert', '# Title\n\nFirst paragraph.\n\nSecond paragraph.'), context)) ?? [];
  const chunks = outputs.filter((output) => output.type === 'chunk-created');
  assert.equal(chunks.length, 3);
  const first = chunks[0]!.value;
  assert.equal(first.payload.chunk.documentVersion, 'sha256:v1');
  assert.equal(first.payload.chunk.chunkCount, 3);
  assert.equal(first.payload.chunk.title, 'Title', 'the parsed title when none was given');
  assert.deepEqual(first.payload.chunk.metadata, { team: 'docs' });
  assert.equal(first.correlationId, 'request-1');
  assert.notEqual(first.payload.chunk.chunkId, (chunks[1]!.value).payload.chunk.chunkId);
  const status = outputs.at(-1)!.value as EventRecords['document-indexed'];
  assert.deepEqual([status.payload.status, status.payload.chunkCount], ['processing', 3]);
  assert.deepEqual(calls, ['processing sha256:v1 keys 3']);
});

test('the version already indexed is answered completed without parsing anything', async () => {
  const { store, calls, context } = memoryStore({ version: 'sha256:v1', currentVersion: 'sha256:v1', status: 'accepted', chunkCount: 7, chunkKeys: 7 });
  const handler = createIngestionHandler({ store, parse: () => Promise.reject(new Error('must not parse')), chunk: paragraphs });
  const outputs = (await handler(received('upsert', 'same bytes'), context)) ?? [];
  assert.equal(outputs.length, 1);
  const status = outputs[0]!.value as EventRecords['document-indexed'];
  assert.deepEqual([status.payload.status, status.payload.chunkCount], ['completed', 7]);
  assert.deepEqual(calls, ['unchanged sha256:v1']);
});

test('a version superseded by a later upload or a delete is skipped', async () => {
  const { store, context } = memoryStore({ version: 'sha256:v2', currentVersion: 'sha256:v1', status: 'accepted', chunkCount: 3, chunkKeys: 3 });
  const handler = createIngestionHandler({ store, parse: realParse, chunk: paragraphs });
  assert.deepEqual(await handler(received('upsert', 'old bytes', 'sha256:v1'), context), []);
});

test('a document the parser refuses fails with its code, recorded and announced', async () => {
  const { store, calls, context } = memoryStore({ version: 'sha256:v1', currentVersion: null, status: 'accepted', chunkCount: 0, chunkKeys: 0 });
  const parse = (): Promise<ParsedDocument> => Promise.reject(new DocumentError('invalid_pdf', 'The PDF is truncated.'));
  const outputs = (await createIngestionHandler({ store, parse, chunk: paragraphs })(received('upsert', '%PDF-1.7 cut'), context)) ?? [];
  const status = outputs[0]!.value as EventRecords['document-indexed'];
  assert.equal(status.payload.status, 'failed');
  assert.equal(status.payload.error?.code, 'invalid_pdf');
  assert.deepEqual(calls, ['failed sha256:v1 invalid_pdf']);
});

test('a document with no text fails as empty_document', async () => {
  const { store, context } = memoryStore({ version: 'sha256:v1', currentVersion: null, status: 'accepted', chunkCount: 0, chunkKeys: 0 });
  const outputs = (await createIngestionHandler({ store, parse: realParse, chunk: () => [] })(received('upsert', 'text'), context)) ?? [];
  assert.equal((outputs[0]!.value as EventRecords['document-indexed']).payload.error?.code, 'empty_document');
});

/** The tombstones a document's chunk indexes from … to-1 get: one per chunk topic. */
const expectedTombstones = (from: number, to: number) => Array.from({ length: to - from }, (_, offset) =>
  chunkKey({ tenantId: 'tenant-a', collection: 'default', documentId: 'doc' }, from + offset)).flatMap((key) => [tombstone(TOPICS.chunks, key), tombstone(TOPICS.chunksEmbedded, key)]);

test('a delete removes the chunks, tombstones every chunk key it had on both chunk topics, then says deleted', async () => {
  const deleted = memoryStore({ version: null, currentVersion: 'sha256:v1', status: 'completed', chunkCount: 2, chunkKeys: 3 });
  const outputs = (await createIngestionHandler({ store: deleted.store, parse: realParse, chunk: paragraphs })(received('delete', null), deleted.context)) ?? [];
  assert.equal((outputs[0]!.value as EventRecords['document-indexed']).payload.status, 'deleted');
  assert.deepEqual(deleted.batches, [expectedTombstones(0, 3)]);
  assert.deepEqual(deleted.calls, ['delete', 'tombstones 6', 'keys 0'], 'the count is lowered only once the tombstones are acknowledged');

  const superseded = memoryStore(undefined, { deleted: false });
  assert.deepEqual(await createIngestionHandler({ store: superseded.store, parse: realParse, chunk: paragraphs })(received('delete', null), superseded.context), []);
  assert.deepEqual(superseded.batches, [], 'a delete superseded by an upload tombstones nothing');

  const empty = memoryStore({ version: null, currentVersion: null, status: 'failed', chunkCount: 0, chunkKeys: 0 });
  await createIngestionHandler({ store: empty.store, parse: realParse, chunk: paragraphs })(received('delete', null), empty.context);
  assert.deepEqual(empty.calls, ['delete'], 'no chunk keys, no tombstones');
});

test('a shorter version tombstones the keys beyond its chunks before recording its count; a longer one tombstones none', async () => {
  const shorter = memoryStore({ version: 'sha256:v2', currentVersion: 'sha256:v1', status: 'accepted', chunkCount: 4, chunkKeys: 5 });
  const outputs = (await createIngestionHandler({ store: shorter.store, parse: realParse, chunk: paragraphs })(received('upsert', 'One.\n\nTwo.', 'sha256:v2'), shorter.context)) ?? [];
  assert.deepEqual(outputs.filter((output) => output.type === 'chunk-created').map((output) => output.key), [0, 1].map((index) => chunkKey({ tenantId: 'tenant-a', collection: 'default', documentId: 'doc' }, index)));
  assert.deepEqual(shorter.batches, [expectedTombstones(2, 5)]);
  assert.deepEqual(shorter.calls, ['tombstones 6', 'processing sha256:v2 keys 2']);

  const longer = memoryStore({ version: 'sha256:v2', currentVersion: 'sha256:v1', status: 'accepted', chunkCount: 1, chunkKeys: 1 });
  await createIngestionHandler({ store: longer.store, parse: realParse, chunk: paragraphs })(received('upsert', 'One.\n\nTwo.', 'sha256:v2'), longer.context);
  assert.deepEqual(longer.calls, ['processing sha256:v2 keys 2'], 'the count is raised before the chunks are published');

  const failed = memoryStore({ version: 'sha256:v2', currentVersion: 'sha256:v1', status: 'accepted', chunkCount: 5, chunkKeys: 5 });
  await createIngestionHandler({ store: failed.store, parse: realParse, chunk: () => [] })(received('upsert', 'text', 'sha256:v2'), failed.context);
  assert.deepEqual(failed.batches, [], 'a failed version publishes nothing: the indexed version keeps its keys');
});

test('content stored as a blob that cannot be found is retried, not failed', async () => {
  const { store, context } = memoryStore({ version: 'sha256:v1', currentVersion: null, status: 'accepted', chunkCount: 0, chunkKeys: 0 });
  const event = received('upsert', null);
  event.payload.contentUri = 'blob:sha256:v1';
  await assert.rejects(createIngestionHandler({ store, parse: realParse, chunk: paragraphs })(event, context), (error: RetriableError) => error.retriable && error.code === 'blob_missing');
});

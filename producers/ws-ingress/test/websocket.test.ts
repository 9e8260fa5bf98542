import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { waitFor } from '@rivulet/testing';
import { createIngressHarness, type IngressHarness } from './support/harness.js';
import { openSocket, type TestSocket } from './support/socket.js';

let harness: IngressHarness;
const sockets: TestSocket[] = [];

before(async () => {
  harness = await createIngressHarness();
});

after(async () => {
  for (const socket of sockets) socket.close();
  await harness.close();
});

const connect = async (headers: Record<string, string> = {}): Promise<TestSocket> => {
  const socket = await openSocket(harness.wsUrl, headers);
  sockets.push(socket);
  return socket;
};

/** A socket authenticated by header, its ready frame taken. */
const ready = async (key = harness.keys.a): Promise<TestSocket> => {
  const socket = await connect({ authorization: `Bearer ${key}` });
  await socket.next((frame) => frame.type === 'ready');
  return socket;
};

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

test('auth by the Authorization header: ready with a session id and the tenant', async () => {
  const socket = await connect({ authorization: `Bearer ${harness.keys.a}` });
  const frame = await socket.next();
  assert.equal(frame.type, 'ready');
  assert.equal(frame.tenant, harness.tenants.a);
  assert.match(String(frame.sessionId), /^[0-9a-f-]{36}$/);
});

test('auth by a first frame: ready with the tenant of that key', async () => {
  const socket = await connect();
  socket.send({ type: 'auth', token: harness.keys.b });
  const frame = await socket.next();
  assert.deepEqual({ type: frame.type, tenant: frame.tenant }, { type: 'ready', tenant: harness.tenants.b });
});

test('a bad key closes with 4401, by header and by first frame', async () => {
  const byHeader = await connect({ authorization: 'Bearer not-a-real-key' });
  assert.equal((await byHeader.closed()).code, 4401);
  const byFrame = await connect();
  byFrame.send({ type: 'auth', token: 'not-a-real-key' });
  assert.equal((await byFrame.closed()).code, 4401);
  const wrongFirstFrame = await connect();
  wrongFirstFrame.send({ type: 'ping' });
  assert.equal((await wrongFirstFrame.closed()).code, 4401, 'the first frame must be auth when there is no header');
  assert.equal(byHeader.frames.length + byFrame.frames.length, 0, 'no ready frame for a bad key');
});

test('no auth frame within WS_AUTH_TIMEOUT closes with 4401', async () => {
  const started = Date.now();
  const socket = await connect();
  const { code, reason } = await socket.closed(5_000);
  assert.equal(code, 4401);
  assert.match(reason, /no auth frame/);
  assert.ok(Date.now() - started >= 900, 'not before the timeout (1s in this test)');
});

test('ping gets pong; a non-JSON frame or an unknown type gets one error and the socket stays open', async () => {
  const socket = await ready();
  socket.send({ type: 'ping' });
  assert.deepEqual(await socket.next(), { type: 'pong' });

  socket.send('this is not json');
  const notJson = await socket.next();
  assert.equal(notJson.type, 'error');
  assert.equal(notJson.code, 'invalid_request');
  assert.equal(notJson.retryable, false);
  assert.equal(notJson.id, undefined);

  socket.send({ type: 'teleport', id: 'frame-7' });
  const unknown = await socket.next();
  assert.deepEqual({ type: unknown.type, id: unknown.id, code: unknown.code }, { type: 'error', id: 'frame-7', code: 'invalid_request' });

  socket.send({ type: 'chat', id: 'chat-1' });
  const chat = await socket.next();
  assert.deepEqual({ type: chat.type, id: chat.id, code: chat.code }, { type: 'error', id: 'chat-1', code: 'invalid_request' });
  assert.match(String(chat.message), /"message" must be a non-empty string/);

  socket.send({ type: 'ingest', id: 'bad-ingest', document: { text: 'a', contentBase64: 'YQ==' } });
  const badIngest = await socket.next();
  assert.deepEqual({ type: badIngest.type, id: badIngest.id, code: badIngest.code }, { type: 'error', id: 'bad-ingest', code: 'invalid_request' });

  socket.send({ type: 'ping' });
  assert.deepEqual(await socket.next(), { type: 'pong' }, 'still open after bad frames');
  assert.equal(socket.frames.length, 0, 'exactly one answer per frame');
});

test('a frame over 1 MiB closes the socket with 1009', async () => {
  const socket = await ready();
  socket.send({ type: 'ingest', id: 'huge', document: { text: 'x'.repeat(1024 * 1024 + 1) } });
  assert.equal((await socket.closed()).code, 1009);
});

test('ingest answers accepted, then forwards the pipeline\'s status for that version and tenant only', async () => {
  const socket = await ready();
  const collection = harness.collection();
  const text = `WebSocket document ${randomBytes(6).toString('hex')}`;
  socket.send({ type: 'ingest', id: 'ingest-1', collection, document: { id: 'ws-doc', title: 'Over the socket', text }, metadata: { via: 'ws' } });
  const accepted = await socket.next();
  assert.deepEqual(accepted, { type: 'ingest_status', id: 'ingest-1', documentId: 'ws-doc', status: 'accepted' });

  // The status feed reads from the latest offset of a group that joined a moment ago: publish
  // `processing` until it arrives, so the feed is surely reading before the checks below.
  const processing = await waitFor(async () => {
    await harness.publishStatus(harness.tenants.a, { documentId: 'ws-doc', collection, status: 'processing', chunkCount: 3, documentVersion: sha256(text) });
    return socket.next((frame) => frame.type === 'ingest_status', 3_000).catch(() => undefined);
  }, { description: 'ingest_status processing', timeoutMs: 30_000 });
  assert.deepEqual(processing, { type: 'ingest_status', id: 'ingest-1', documentId: 'ws-doc', status: 'processing', chunks: 3 });

  // Not ours: another tenant's document with the same collection and id, and an older version of ours.
  const handledBefore = await harness.statusEventsHandled();
  await harness.publishStatus(harness.tenants.b, { documentId: 'ws-doc', collection, status: 'completed', chunkCount: 99, documentVersion: sha256(text) });
  await harness.publishStatus(harness.tenants.a, { documentId: 'ws-doc', collection, status: 'completed', chunkCount: 98, documentVersion: sha256('an older version') });
  await waitFor(async () => (await harness.statusEventsHandled()) >= handledBefore + 2, { description: 'the feed to handle both' });
  // (A `processing` sent twice by the loop above may still be queued: statuses are at-least-once.)
  assert.deepEqual(socket.frames.filter((frame) => frame.status !== 'processing'), [], 'no frame for another tenant\'s document or another version');

  await harness.publishStatus(harness.tenants.a, { documentId: 'ws-doc', collection, status: 'completed', chunkCount: 3, documentVersion: sha256(text) });
  const completed = await socket.next((frame) => frame.status !== 'processing');
  assert.deepEqual(completed, { type: 'ingest_status', id: 'ingest-1', documentId: 'ws-doc', status: 'completed', chunks: 3 });
});

test('delete_document answers accepted then deleted; an unknown document gets not_found', async () => {
  const socket = await ready();
  const collection = harness.collection();
  socket.send({ type: 'ingest', id: 'put', collection, document: { id: 'gone-soon', contentBase64: Buffer.from('# Title\n\nBody').toString('base64'), mime: 'text/markdown' } });
  assert.equal((await socket.next()).status, 'accepted');
  socket.send({ type: 'delete_document', id: 'del', documentId: 'gone-soon', collection });
  assert.deepEqual(await socket.next(), { type: 'ingest_status', id: 'del', documentId: 'gone-soon', status: 'accepted' });
  const deleted = await waitFor(async () => {
    await harness.publishStatus(harness.tenants.a, { documentId: 'gone-soon', collection, status: 'deleted' });
    return socket.next((frame) => frame.id === 'del', 3_000).catch(() => undefined);
  }, { description: 'ingest_status deleted', timeoutMs: 30_000 });
  assert.deepEqual(deleted, { type: 'ingest_status', id: 'del', documentId: 'gone-soon', status: 'deleted' });

  socket.send({ type: 'delete_document', id: 'del-2', documentId: 'never-existed', collection });
  const missing = await socket.next((frame) => frame.id === 'del-2');
  assert.deepEqual({ type: missing.type, code: missing.code }, { type: 'error', code: 'not_found' });
});

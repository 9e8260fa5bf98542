// A hostile client's WebSocket use against a real ingress: NUL characters refused per frame, one
// terminal frame per chat id, the Origin allowlist and the cap on sockets per API key.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { waitFor } from '@rivulet/testing';
import { createIngressHarness, type IngressHarness } from './support/harness.js';
import { openSocket, type ServerFrame, type TestSocket } from './support/socket.js';

const MAX_SOCKETS = 3;
let harness: IngressHarness;

before(async () => {
  harness = await createIngressHarness({ WS_MAX_SOCKETS_PER_KEY: String(MAX_SOCKETS) });
});

after(async () => {
  await harness.close();
});

const NUL = '\u0000';

/** A socket authenticated by header, its ready frame taken, closed when the test ends. */
const ready = async (context: TestContext, key = harness.keys.a): Promise<TestSocket> => {
  const socket = await openSocket(harness.wsUrl, { authorization: `Bearer ${key}` });
  context.after(() => socket.close());
  await socket.next((frame) => frame.type === 'ready');
  return socket;
};

test('a NUL in any field of a chat, ingest, delete_document or cancel frame gets error invalid_request naming the field', async (context) => {
  const socket = await ready(context);
  const received = await harness.collectDocuments();
  const collection = harness.collection();
  const ingest = (document: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'ingest', document: { text: 'Some text.', ...document }, collection, ...extra });
  const cases: [string, Record<string, unknown>, string][] = [
    ['chat message', { type: 'chat', message: `q${NUL}` }, '"message"'],
    ['chat model', { type: 'chat', message: 'q', model: `m${NUL}` }, '"model"'],
    ['chat conversation id', { type: 'chat', message: 'q', conversationId: `c${NUL}` }, '"conversationId"'],
    ['chat collection', { type: 'chat', message: 'q', collection: `k${NUL}` }, '"collection"'],
    ['chat filter value', { type: 'chat', message: 'q', filters: { lang: `en${NUL}` } }, '"filters.lang"'],
    ['chat filter key', { type: 'chat', message: 'q', filters: { [`la${NUL}ng`]: 'en' } }, '"filters"'],
    ['ingest document id', ingest({ id: `d${NUL}` }), '"document.id"'],
    ['ingest title', ingest({ title: `t${NUL}` }), '"document.title"'],
    ['ingest text', ingest({ text: `one${NUL}two` }), '"document.text"'],
    ['ingest mime', ingest({ text: undefined, contentBase64: 'YQ==', mime: `text/plain;${NUL}` }), '"document.mime"'],
    ['ingest collection', ingest({}, { collection: `k${NUL}` }), '"collection"'],
    ['ingest metadata value', ingest({}, { metadata: { lang: `en${NUL}` } }), '"metadata.lang"'],
    ['ingest metadata key', ingest({}, { metadata: { [`la${NUL}ng`]: 'en' } }), '"metadata"'],
    ['delete document id', { type: 'delete_document', documentId: `d${NUL}` }, '"documentId"'],
    ['delete collection', { type: 'delete_document', documentId: 'd', collection: `k${NUL}` }, '"collection"'],
  ];
  for (const [index, [what, frame, field]] of cases.entries()) {
    const id = `frame-${index}`;
    socket.send({ id, ...frame });
    const answer = await socket.next((candidate) => candidate.id === id);
    assert.deepEqual({ type: answer.type, code: answer.code, retryable: answer.retryable }, { type: 'error', code: 'invalid_request', retryable: false }, `${what}: ${JSON.stringify(answer)}`);
    assert.ok(String(answer.message).includes(field), `${what}: the message names ${field}: ${String(answer.message)}`);
  }
  // A frame id with a NUL is no id to answer under: the error has none.
  for (const type of ['chat', 'cancel']) {
    socket.send({ type, id: `f${NUL}`, message: 'q' });
    const answer = await socket.next();
    assert.deepEqual({ type: answer.type, code: answer.code, hasId: 'id' in answer }, { type: 'error', code: 'invalid_request', hasId: false }, `${type}: ${JSON.stringify(answer)}`);
    assert.match(String(answer.message), /"id" must be a string of 1 to 128 characters without control characters/);
  }
  socket.send({ type: 'ingest', id: 'good', document: { id: 'good-doc', text: 'A good one.' }, collection });
  await socket.next((frame) => frame.id === 'good' && frame.status === 'accepted');
  await waitFor(() => received.some(({ event }) => event.payload.collection === collection), { description: 'the good document\'s event' });
  assert.deepEqual(received.filter(({ event }) => event.payload.collection === collection).map(({ event }) => event.payload.documentId), ['good-doc'], 'only the good ingest was published');
});

test('an id over 128 characters in a frame gets an error without that id, and the id is not echoed', async (context) => {
  const socket = await ready(context);
  const long = 'x'.repeat(10_000);
  for (const frame of [{ type: 'chat', id: long, message: 'q' }, { type: 'chat', id: 'c-long', message: 'q', conversationId: long }, { type: 'delete_document', id: 'd-long', documentId: long }]) {
    socket.send(frame);
    const answer = await socket.next();
    assert.equal(answer.code, 'invalid_request', JSON.stringify(answer).slice(0, 300));
    assert.ok(answer.id === undefined || answer.id === frame.id.slice(0, 128), 'a long frame id is never echoed');
    assert.ok(!String(answer.message).includes('x'.repeat(129)), 'the id is not in the message');
  }
});

const TERMINAL = new Set(['done', 'error']);

test('a second chat frame with an id still answering gets a connection-level error without id; the first chat keeps exactly one terminal frame', async (context) => {
  const socket = await ready(context);
  const all: ServerFrame[] = [];
  socket.socket.on('message', (data: Buffer) => all.push(JSON.parse(data.toString('utf8')) as ServerFrame));
  socket.send({ type: 'chat', id: 'dup', message: 'What is Rivulet?', rag: false });
  await socket.next((frame) => frame.type === 'ack' && frame.id === 'dup');
  socket.send({ type: 'chat', id: 'dup', message: 'Again?', rag: false });
  const duplicate = await socket.next((frame) => frame.type === 'error' && frame.code === 'invalid_request');
  assert.equal('id' in duplicate, false, `a connection-level error: ${JSON.stringify(duplicate)}`);
  assert.match(String(duplicate.message), /"dup" is still answering/);

  // End the first chat (cancel, or its answer if a worker is faster), then make sure nothing else comes for it.
  socket.send({ type: 'cancel', id: 'dup' });
  await socket.next((frame) => frame.id === 'dup' && TERMINAL.has(frame.type), 15_000);
  socket.send({ type: 'ping' });
  await socket.next((frame) => frame.type === 'pong');
  const terminals = all.filter((frame) => frame.id === 'dup' && TERMINAL.has(frame.type));
  assert.equal(terminals.length, 1, `exactly one terminal frame for "dup": ${JSON.stringify(terminals)}`);
});

/** The upgrade's outcome: the socket opened, or the HTTP status and body it was refused with. */
const upgrade = (origin: string | undefined, target = harness): Promise<{ opened: true } | { status: number; body: string }> => new Promise((resolve, reject) => {
  const client = new WebSocket(target.wsUrl, { headers: origin === undefined ? {} : { origin } });
  client.once('open', () => {
    client.terminate();
    resolve({ opened: true });
  });
  client.once('unexpected-response', (_request, response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
  });
  client.once('error', (error) => {
    if (!/Unexpected server response/.test(error.message)) reject(error);
  });
});

test('WS_ALLOWED_ORIGINS (default self): the ingress\'s own origin over http or https and no Origin are accepted; another origin gets 403 with a JSON error', async () => {
  const own = new URL(harness.url);
  assert.deepEqual(await upgrade(undefined), { opened: true }, 'a non-browser client sends no Origin');
  assert.deepEqual(await upgrade(own.origin), { opened: true }, 'the chat page served by this ingress');
  assert.deepEqual(await upgrade(`https://${own.host}`), { opened: true }, 'the same host behind TLS');
  for (const origin of ['https://evil.example', `http://${own.hostname}:1`, 'null']) {
    const refused = await upgrade(origin);
    assert.ok('status' in refused, `${origin} is refused`);
    assert.equal(refused.status, 403, origin);
    const body = JSON.parse(refused.body) as { error: { code: string; message: string; retryable: boolean } };
    assert.deepEqual({ code: body.error.code, retryable: body.error.retryable }, { code: 'unauthorized', retryable: false });
    assert.match(body.error.message, /Origin/);
  }
});

test('WS_ALLOWED_ORIGINS=* accepts any origin; a list accepts only its origins', async () => {
  const open = await createIngressHarness({ WS_ALLOWED_ORIGINS: '*' });
  const listed = await createIngressHarness({ WS_ALLOWED_ORIGINS: 'https://app.example.com' });
  try {
    assert.deepEqual(await upgrade('https://evil.example', open), { opened: true });
    assert.deepEqual(await upgrade('https://app.example.com', listed), { opened: true });
    const own = await upgrade(new URL(listed.url).origin, listed);
    assert.equal('status' in own && own.status, 403, 'a list without self leaves out the ingress\'s own origin');
  } finally {
    await Promise.all([open.close(), listed.close()]);
  }
});

test('WS_MAX_SOCKETS_PER_KEY: one socket over the cap closes with 4429 and gets no ready; a closed socket frees its slot', async (context) => {
  const key = harness.keys.b;
  const sockets = [];
  for (let index = 0; index < MAX_SOCKETS; index += 1) sockets.push(await ready(context, key));
  const over = await openSocket(harness.wsUrl, { authorization: `Bearer ${key}` });
  context.after(() => over.close());
  const { code, reason } = await over.closed();
  assert.equal(code, 4429);
  assert.match(reason, /too many open sockets for this API key/);
  assert.equal(over.frames.length, 0, 'no ready frame');
  const otherKey = await ready(context, harness.keys.a);
  otherKey.send({ type: 'ping' });
  await otherKey.next((frame) => frame.type === 'pong');

  sockets[0]!.close();
  // The server frees the slot when it sees the close: retry until a new socket is admitted (bounded).
  const admitted = await waitFor(async () => {
    const next = await openSocket(harness.wsUrl, { authorization: `Bearer ${key}` });
    context.after(() => next.close());
    const first = await Promise.race([next.next((frame) => frame.type === 'ready', 5_000), next.closed(5_000)]);
    return 'type' in first ? next : undefined;
  }, { timeoutMs: 10_000, description: 'a socket admitted after one closed' });
  admitted.send({ type: 'ping' });
  await admitted.next((frame) => frame.type === 'pong');
});

test('a cancel sent right behind its chat cancels it (one cancelled terminal frame); a reused id of an ended chat can be cancelled again', async (context) => {
  const socket = await ready(context);
  const all: ServerFrame[] = [];
  socket.socket.on('message', (data: Buffer) => all.push(JSON.parse(data.toString('utf8')) as ServerFrame));
  const terminalOf = (id: string) => socket.next((frame) => frame.id === id && TERMINAL.has(frame.type), 15_000);
  for (const round of [1, 2]) {
    socket.send({ type: 'chat', id: 'quick', message: `Stop at once (${round})`, rag: false });
    socket.send({ type: 'cancel', id: 'quick' });
    const terminal = await terminalOf('quick');
    assert.equal(terminal.code, 'cancelled', `round ${round}: ${JSON.stringify(terminal)}`);
  }
  socket.send({ type: 'ping' });
  await socket.next((frame) => frame.type === 'pong');
  const frames = all.filter((frame) => frame.id === 'quick').map((frame) => typeof frame.code === 'string' ? `${frame.type}:${frame.code}` : frame.type);
  assert.deepEqual(frames, ['ack', 'error:cancelled', 'ack', 'error:cancelled'], JSON.stringify(frames));
});

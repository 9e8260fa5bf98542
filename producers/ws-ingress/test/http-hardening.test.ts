// A hostile client's HTTP requests against a real ingress: NUL characters and over-long ids are
// refused at the door naming the field (nothing published), oversized headers get 431, and
// /metrics can be taken off the API port.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { waitFor } from '@rivulet/testing';
import { createIngressHarness, type IngressHarness } from './support/harness.js';

let harness: IngressHarness;

before(async () => {
  harness = await createIngressHarness();
});

after(async () => {
  await harness.close();
});

const NUL = '\u0000';

const postJson = (path: string, body: unknown): Promise<Response> =>
  harness.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A multipart body written by hand, so a NUL in a field or file name reaches the server as it is. */
const postMultipart = (fields: Record<string, string>, fileName: string): Promise<Response> => {
  const boundary = 'rivulet-hardening-boundary';
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const file = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/plain\r\n\r\nSome text.\r\n--${boundary}--\r\n`;
  return harness.request('/v1/documents', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: parts.join('') + file });
};

/** The answer is 400 invalid_request, not retryable, and its message names `field`. */
const assertRefused = async (response: Response, field: string, what: string): Promise<string> => {
  const body = await response.json() as { error?: { code: string; message: string; retryable: boolean } };
  assert.deepEqual({ status: response.status, code: body.error?.code, retryable: body.error?.retryable }, { status: 400, code: 'invalid_request', retryable: false }, `${what}: ${JSON.stringify(body)}`);
  assert.ok(body.error!.message.includes(field), `${what}: the message names ${field}: ${body.error!.message}`);
  return body.error!.message;
};

const question = (content: unknown) => ({ messages: [{ role: 'user', content }] });

test('a NUL in any chat, search or embeddings field is 400 invalid_request naming the field', async () => {
  const cases: [string, string, unknown, string][] = [
    ['chat message', '/v1/chat/completions', question(`what${NUL}?`), '"messages[0].content"'],
    ['chat history text part', '/v1/chat/completions', { messages: [{ role: 'user', content: [{ type: 'text', text: `a${NUL}` }] }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }] }, '"messages[0].content[0].text"'],
    ['chat history message', '/v1/chat/completions', { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: `b${NUL}` }, { role: 'user', content: 'c' }] }, '"messages[1].content"'],
    ['chat user', '/v1/chat/completions', { ...question('q'), user: `u${NUL}` }, '"user"'],
    ['chat model', '/v1/chat/completions', { ...question('q'), model: `m${NUL}` }, '"model"'],
    ['chat conversation id', '/v1/chat/completions', { ...question('q'), conversation_id: `c${NUL}` }, '"conversation_id"'],
    ['chat collection', '/v1/chat/completions', { ...question('q'), rag: { collection: `k${NUL}` } }, '"collection"'],
    ['chat filter value', '/v1/chat/completions', { ...question('q'), rag: { filters: { lang: `en${NUL}` } } }, '"rag.filters.lang"'],
    ['chat filter key', '/v1/chat/completions', { ...question('q'), rag: { filters: { [`la${NUL}ng`]: 'en' } } }, '"rag.filters"'],
    ['search query', '/v1/search', { query: `q${NUL}` }, '"query"'],
    ['search filter value', '/v1/search', { query: 'q', filters: { lang: `en${NUL}` } }, '"filters.lang"'],
    ['search filter key', '/v1/search', { query: 'q', filters: { [`la${NUL}ng`]: 'en' } }, '"filters"'],
    ['search collection', '/v1/search', { query: 'q', collection: `k${NUL}` }, '"collection"'],
    ['embeddings input', '/v1/embeddings', { input: `a${NUL}b` }, '"input"'],
    ['embeddings input item', '/v1/embeddings', { input: ['fine', `a${NUL}b`] }, '"input[1]"'],
  ];
  for (const [what, path, body, field] of cases) await assertRefused(await postJson(path, body), field, what);
});

test('a NUL in any document field, form field, file name, path id or query parameter is 400 naming it, and nothing is published', async () => {
  const received = await harness.collectDocuments();
  const collection = harness.collection();
  const json: [string, Record<string, unknown>, string][] = [
    ['id', { id: `a${NUL}b` }, '"id"'],
    ['collection', { collection: `k${NUL}` }, '"collection"'],
    ['title', { title: `t${NUL}` }, '"title"'],
    ['metadata value', { metadata: { lang: `en${NUL}` } }, '"metadata.lang"'],
    ['metadata key', { metadata: { [`la${NUL}ng`]: 'en' } }, '"metadata"'],
    ['inline text', { text: `one${NUL}two` }, '"text"'],
    // An unpaired surrogate: PostgreSQL's jsonb refuses it as it refuses NUL (it was a retryable 503).
    ['metadata value with a lone surrogate', { metadata: { lang: 'en\ud800' } }, '"metadata.lang"'],
    ['title with a lone surrogate', { title: 't\udc00' }, '"title"'],
  ];
  for (const [what, fields, field] of json) {
    await assertRefused(await postJson('/v1/documents', { id: 'nul-doc', collection, text: 'Some text.', ...fields }), field, `JSON ${what}`);
  }
  const form: [string, Record<string, string>, string, string][] = [
    ['id field', { id: `a${NUL}b`, collection }, 'notes.txt', '"id"'],
    ['title field', { title: `t${NUL}`, collection }, 'notes.txt', '"title"'],
    ['metadata field', { metadata: JSON.stringify({ lang: `en${NUL}` }), collection }, 'notes.txt', '"metadata.lang"'],
    ['file name', { collection }, `no${NUL}tes.txt`, '"filename of the "file" part"'],
  ];
  for (const [what, fields, fileName, field] of form) {
    const response = await postMultipart(fields, fileName);
    const body = await response.json() as { error?: { code: string; message: string } };
    assert.deepEqual({ status: response.status, code: body.error?.code }, { status: 400, code: 'invalid_request' }, `multipart ${what}: ${JSON.stringify(body)}`);
    assert.ok(body.error!.message.includes(field), `multipart ${what} names the field: ${body.error!.message}`);
  }
  await assertRefused(await harness.request('/v1/documents/a%00b'), '"id"', 'GET document path id');
  await assertRefused(await harness.request('/v1/documents/a%00b', { method: 'DELETE' }), '"id"', 'DELETE document path id');
  await assertRefused(await harness.request(`/v1/documents/doc?collection=${encodeURIComponent(collection)}%00`), '"collection"', 'collection query parameter');
  await assertRefused(await harness.request('/v1/conversations/a%00b/messages'), '"id"', 'conversation path id');
  await assertRefused(await harness.request('/v1/conversations?limit=5%00'), 'query parameter "limit"', 'conversations limit');

  // Nothing was published: the next good upload is the first event of this collection.
  assert.equal((await postJson('/v1/documents', { id: 'good-doc', collection, text: 'A good one.' })).status, 202);
  await waitFor(() => received.some(({ event }) => event.payload.collection === collection), { description: 'the good document\'s event' });
  assert.deepEqual(received.filter(({ event }) => event.payload.collection === collection).map(({ event }) => event.payload.documentId), ['good-doc']);
});

test('an id over 128 characters is 400 on every route, without the id echoed back', async () => {
  const long = 'x'.repeat(10_000);
  const answers: [string, Promise<Response>, string][] = [
    ['conversation path id', harness.request(`/v1/conversations/${long}/messages`), '"id"'],
    ['document path id', harness.request(`/v1/documents/${long}`), '"id"'],
    ['collection query', harness.request(`/v1/documents/doc?collection=${long}`), '"collection"'],
    ['chat conversation id', postJson('/v1/chat/completions', { ...question('q'), conversation_id: long }), '"conversation_id"'],
    ['chat user', postJson('/v1/chat/completions', { ...question('q'), user: long }), '"user"'],
    ['document id', postJson('/v1/documents', { id: long, text: 'Some text.' }), '"id"'],
  ];
  for (const [what, answer, field] of answers) {
    const message = await assertRefused(await answer, field, what);
    assert.ok(!message.includes('x'.repeat(129)) && message.length < 300, `${what}: the id is not echoed: ${message.slice(0, 300)}`);
  }
  const unknown = await (await harness.request(`/v1/${long}`)).json() as { error: { code: string; message: string } };
  assert.equal(unknown.error.code, 'not_found');
  assert.ok(unknown.error.message.length < 400, 'an unknown route is not echoed whole');
});

/** Sends raw bytes and reads the whole answer until the server closes. */
const rawRequest = (text: string): Promise<string> => new Promise((resolve, reject) => {
  const { hostname, port } = new URL(harness.url);
  const socket = connect(Number(port), hostname, () => socket.write(text));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', reject);
  socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
});

test('request headers over the server\'s limit get 431 with the JSON error body; a malformed request still gets 400', async () => {
  const answer = await rawRequest(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  const [head, body] = answer.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.match(head!, /content-type: application\/json/i);
  const parsed = JSON.parse(body!) as { error: { code: string; message: string; retryable: boolean } };
  assert.deepEqual({ code: parsed.error.code, retryable: parsed.error.retryable }, { code: 'payload_too_large', retryable: false });
  assert.match(parsed.error.message, /headers are larger/);

  const malformed = await rawRequest('NOT A REQUEST\r\n\r\n');
  assert.match(malformed, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.equal((JSON.parse(malformed.split('\r\n\r\n')[1]!) as { error: { code: string } }).error.code, 'invalid_request');
});

test('INGRESS_METRICS_ON_API=false: /metrics on the API port is 404, and the ops port serves it', async () => {
  const private_ = await createIngressHarness({ INGRESS_METRICS_ON_API: 'false' });
  try {
    const onApi = await fetch(`${private_.url}/metrics`);
    assert.equal(onApi.status, 404);
    assert.equal((await onApi.json() as { error: { code: string } }).error.code, 'not_found');
    const onOps = await fetch(`${private_.ingress.opsUrl}/metrics`);
    assert.equal(onOps.status, 200);
    assert.match(await onOps.text(), /^# TYPE rivulet_ingress_websockets gauge$/m);
    assert.equal((await fetch(`${private_.url}/health`)).status, 200, 'the other ops routes stay on the API port');
  } finally {
    await private_.close();
  }
  assert.equal((await fetch(`${harness.url}/metrics`)).status, 200, 'on by default (the contract\'s route)');
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { documentKey, MAX_INLINE_CONTENT_BYTES } from '@rivulet/schemas';
import { withTenant } from '@rivulet/store';
import { waitFor } from '@rivulet/testing';
import { createIngressHarness, type IngressHarness } from './support/harness.js';

let harness: IngressHarness;

before(async () => {
  harness = await createIngressHarness();
});

after(async () => {
  await harness.close();
});

const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const postJson = (body: unknown, key?: string): Promise<Response> =>
  harness.request('/v1/documents', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(key ? { key } : {}) });

test('POST JSON answers 202 and publishes document-received with the document key, version and inline content', async () => {
  const received = await harness.collectDocuments();
  const collection = harness.collection();
  const text = `Rivulet test document ${randomBytes(8).toString('hex')}`;
  const response = await postJson({ id: 'guide/intro.md', collection, title: 'Intro', text, metadata: { lang: 'en', year: 2025, draft: false } });
  assert.equal(response.status, 202);
  const body = await response.json() as { documentId: string; status: string };
  assert.deepEqual({ documentId: body.documentId, status: body.status }, { documentId: 'guide/intro.md', status: 'accepted' });

  const { key, event } = await waitFor(() => received.find(({ event: candidate }) => candidate.payload.collection === collection), { description: 'the document-received event' });
  assert.equal(key, documentKey({ tenantId: harness.tenants.a, collection, documentId: 'guide/intro.md' }));
  assert.equal(key, `${encodeURIComponent(harness.tenants.a)}/${collection}/guide%2Fintro.md`, 'a "/" in the id is percent-encoded in the key');
  assert.equal(event.tenantId, harness.tenants.a);
  assert.equal(event.payload.operation, 'upsert');
  assert.equal(event.payload.contentHash, sha256(text));
  assert.equal(event.payload.content?.toString('utf8'), text);
  assert.equal(event.payload.contentUri, null);
  assert.equal(event.payload.sizeBytes, Buffer.byteLength(text));
  assert.equal(event.payload.title, 'Intro');
  assert.equal(event.payload.mimeType, 'text/plain; charset=utf-8');
  assert.deepEqual(event.payload.metadata, { lang: 'en', year: '2025', draft: 'false' });
  assert.match(event.payload.apiKeyId ?? '', /^static-[0-9a-f]{12}$/);
  assert.ok(!(event.payload.apiKeyId ?? '').includes(harness.keys.a), 'the event names the key, never carries it');

  const { rows } = await withTenant(harness.pool, harness.tenants.a, (client) => client.query<{ status: string; version: string; size_bytes: string; metadata: unknown; error_code: string | null }>(
    'SELECT status, version, size_bytes, metadata, error_code FROM documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3',
    [harness.tenants.a, collection, 'guide/intro.md'],
  ));
  assert.deepEqual(rows[0], { status: 'accepted', version: sha256(text), size_bytes: String(Buffer.byteLength(text)), metadata: { lang: 'en', year: '2025', draft: 'false' }, error_code: null });
});

test('a multipart upload of 1 MB stores the bytes as a blob and the event carries contentUri instead of content', async () => {
  const received = await harness.collectDocuments();
  const collection = harness.collection();
  const bytes = randomBytes(1_000_000);
  assert.ok(bytes.length > MAX_INLINE_CONTENT_BYTES);
  const form = new FormData();
  form.set('collection', collection);
  form.set('metadata', JSON.stringify({ source: 'upload' }));
  form.set('file', new Blob([bytes], { type: 'application/pdf' }), 'report.pdf');
  const response = await harness.request('/v1/documents', { method: 'POST', body: form });
  assert.equal(response.status, 202, await response.clone().text());
  const { documentId } = await response.json() as { documentId: string };
  assert.match(documentId, /^[0-9a-f-]{36}$/, 'a server-assigned UUID when no id is given');

  const { event } = await waitFor(() => received.find(({ event: candidate }) => candidate.payload.collection === collection), { description: 'the document-received event' });
  const version = sha256(bytes);
  assert.equal(event.payload.contentUri, `blob:${version}`);
  assert.equal(event.payload.content, null);
  assert.equal(event.payload.contentHash, version);
  assert.equal(event.payload.fileName, 'report.pdf');
  assert.equal(event.payload.mimeType, 'application/pdf');
  assert.equal(event.payload.sizeBytes, bytes.length);
  assert.deepEqual(event.payload.metadata, { source: 'upload' });
  const { rows } = await harness.pool.query<{ content: Buffer; size_bytes: string }>('SELECT content, size_bytes FROM document_blobs WHERE content_hash = $1', [version]);
  assert.equal(rows.length, 1);
  assert.ok(rows[0]!.content.equals(bytes), 'the blob holds exactly the uploaded bytes');
});

/** Sends the headers (and optionally a body, piece by piece) and resolves with the answer and how much was sent by then. */
const upload = (options: { headers: Record<string, string | number>; preamble?: Buffer; chunk?: Buffer; chunks?: number; intervalMs?: number }) =>
  new Promise<{ status: number; body: string; sentWhenAnswered: number; total: number }>((resolve, reject) => {
    const { preamble, chunk, chunks = 0, intervalMs = 5 } = options;
    const url = new URL('/v1/documents', harness.url);
    const outgoing = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${harness.keys.a}`, ...options.headers } });
    outgoing.on('error', () => undefined); // the server closes the connection after answering
    outgoing.flushHeaders();
    let sent = 0;
    if (preamble) {
      outgoing.write(preamble);
      sent += preamble.length;
    }
    let written = 0;
    const timer = chunk && setInterval(() => {
      if (written === chunks) {
        clearInterval(timer);
        outgoing.end();
        return;
      }
      written += 1;
      sent += chunk.length;
      outgoing.write(chunk);
    }, intervalMs);
    outgoing.on('response', (response) => {
      const sentWhenAnswered = sent;
      clearInterval(timer);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (piece: string) => (body += piece));
      response.on('end', () => {
        outgoing.destroy();
        resolve({ status: response.statusCode ?? 0, body, sentWhenAnswered, total: (chunk?.length ?? 0) * chunks });
      });
      response.on('error', reject);
    });
  });

test('a Content-Length over the limit gets 413 payload_too_large before any of the body is sent', async () => {
  const answer = await upload({ headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': 50 * 1024 * 1024 } });
  assert.equal(answer.status, 413);
  assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'payload_too_large');
  assert.equal(answer.sentWhenAnswered, 0);
});

test('a chunked upload that passes the limit is answered 413 while the client is still sending', async () => {
  const boundary = 'rivulet-test-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`);
  const piece = Buffer.alloc(64 * 1024, 'a');
  // The part's headers, then the file in 64 KiB pieces: 10 MiB in all against a 2 MiB limit.
  const answer = await upload({
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
    preamble: head, chunk: piece, chunks: 160,
  });
  assert.equal(answer.status, 413, answer.body);
  assert.equal((JSON.parse(answer.body) as { error: { code: string; retryable: boolean } }).error.code, 'payload_too_large');
  assert.ok(answer.sentWhenAnswered < answer.total / 2, `answered after ${answer.sentWhenAnswered} of ${answer.total} bytes: the server stopped reading`);
  assert.ok(answer.sentWhenAnswered >= 2 * 1024 * 1024, 'not before the limit was actually passed');
});

test('JSON text over the document limit gets 413 even when the body fits the request limit', async () => {
  const response = await postJson({ collection: harness.collection(), text: 'x'.repeat(2 * 1024 * 1024 + 10) });
  assert.equal(response.status, 413);
  assert.equal((await response.json() as { error: { code: string } }).error.code, 'payload_too_large');
});

test('GET before the pipeline answers accepted; unknown ids and other tenants get 404', async () => {
  const collection = harness.collection();
  const created = await postJson({ id: 'doc-1', collection, text: 'Some text to index.' });
  assert.equal(created.status, 202);

  const status = await harness.request(`/v1/documents/doc-1?collection=${collection}`);
  assert.equal(status.status, 200);
  assert.deepEqual(await status.json(), { documentId: 'doc-1', collection, status: 'accepted', chunks: 0 });

  const unknown = await harness.request(`/v1/documents/doc-2?collection=${collection}`);
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { error: { code: 'not_found', message: `No document "doc-2" in collection "${collection}".`, retryable: false } });

  const otherTenant = await harness.request(`/v1/documents/doc-1?collection=${collection}`, { key: harness.keys.b });
  assert.equal(otherTenant.status, 404, 'a tenant never sees another tenant\'s document');
  const otherDelete = await harness.request(`/v1/documents/doc-1?collection=${collection}`, { method: 'DELETE', key: harness.keys.b });
  assert.equal(otherDelete.status, 404);

  const defaultCollection = await harness.request('/v1/documents/doc-1');
  assert.equal(defaultCollection.status, 404, 'without ?collection= the default collection is meant');
});

test('DELETE answers 202, clears the version and publishes a delete event; the status waits for the pipeline', async () => {
  const collection = harness.collection();
  assert.equal((await postJson({ id: 'to-delete', collection, text: 'Short-lived.' })).status, 202);
  const received = await harness.collectDocuments();
  const response = await harness.request(`/v1/documents/to-delete?collection=${collection}`, { method: 'DELETE' });
  assert.equal(response.status, 202);
  assert.deepEqual(await response.json(), { documentId: 'to-delete', status: 'accepted', collection });

  const { key, event } = await waitFor(() => received.find(({ event: candidate }) => candidate.payload.collection === collection), { description: 'the delete event' });
  assert.equal(key, documentKey({ tenantId: harness.tenants.a, collection, documentId: 'to-delete' }));
  assert.equal(event.payload.operation, 'delete');
  assert.equal(event.payload.content, null);
  assert.equal(event.payload.contentHash, null);
  const { rows } = await withTenant(harness.pool, harness.tenants.a, (client) => client.query<{ version: string | null; status: string }>(
    'SELECT version, status FROM documents WHERE tenant_id = $1 AND collection = $2 AND document_id = $3', [harness.tenants.a, collection, 'to-delete'],
  ));
  assert.deepEqual(rows[0], { version: null, status: 'accepted' });
});

test('bad requests get 400 invalid_request naming the problem, bad keys 401, unknown routes 404, wrong methods 405', async () => {
  const badJson = await harness.request('/v1/documents', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text": "unterminated' });
  assert.equal(badJson.status, 400);
  const badJsonBody = await badJson.json() as { error: { code: string; message: string; retryable: boolean } };
  assert.equal(badJsonBody.error.code, 'invalid_request');
  assert.match(badJsonBody.error.message, /not valid JSON/);
  assert.equal(badJsonBody.error.retryable, false);

  const nested = await postJson({ text: 'x', metadata: { deep: { no: 1 } } });
  assert.equal(nested.status, 400);
  assert.match((await nested.json() as { error: { message: string } }).error.message, /metadata\.deep.*nested/);

  const longId = await postJson({ id: 'x'.repeat(129), text: 'x' });
  assert.equal(longId.status, 400);
  assert.match((await longId.json() as { error: { message: string } }).error.message, /"id".*128/);

  const noText = await postJson({ title: 'no text' });
  assert.equal(noText.status, 400);
  assert.match((await noText.json() as { error: { message: string } }).error.message, /"text"/);

  const noKey = await fetch(`${harness.url}/v1/documents`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(noKey.status, 401);
  assert.equal((await noKey.json() as { error: { code: string } }).error.code, 'unauthorized');
  const unknownKey = await postJson({ text: 'x' }, 'not-a-key-of-anyone');
  assert.equal(unknownKey.status, 401);

  const nowhere = await harness.request('/v1/nowhere');
  assert.equal(nowhere.status, 404);
  assert.equal((await nowhere.json() as { error: { code: string } }).error.code, 'not_found');

  const wrongMethod = await harness.request('/v1/documents', { method: 'GET' });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'POST');
  assert.equal(wrongMethod.headers.get('content-type'), 'application/json; charset=utf-8');
});

test('/health, /ready and /metrics are served on the ingress port', async () => {
  assert.equal((await fetch(`${harness.url}/health`)).status, 200);
  const ready = await fetch(`${harness.url}/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', checks: { kafka: 'up', schemaRegistry: 'up', postgres: 'up', statusFeed: 'up', replyFeed: 'up', redis: 'up' } });
  const metrics = await (await fetch(`${harness.url}/metrics`)).text();
  assert.match(metrics, /rivulet_ingress_http_requests_total\{route="\/v1\/documents",method="POST",status="202"\}/);
});

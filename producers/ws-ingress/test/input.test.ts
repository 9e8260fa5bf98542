import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigError } from '@rivulet/config';
import { IngressError, loadIngressConfig, parseApiKeys, staticApiKeyStore } from '../src/index.js';
import { metadataOf, uploadMimeType } from '../src/documents/document-input.js';
import { parseFrame } from '../src/ws/frames.js';

test('RIVULET_API_KEYS: <tenant>:<key> pairs; bad entries are refused without echoing the key', () => {
  assert.deepEqual(parseApiKeys('acme:key-with:colon, beta:another-key'), [
    { tenantId: 'acme', key: 'key-with:colon' }, { tenantId: 'beta', key: 'another-key' },
  ]);
  assert.throws(() => parseApiKeys('acme:short'), (error: Error) => /at least 8/.test(error.message) && !error.message.includes('short'));
  assert.throws(() => parseApiKeys('no-tenant-here'), /<tenant>:<key>/);
  assert.throws(() => parseApiKeys('a:same-key-1,b:same-key-1'), /different/);
});

test('the config has working defaults, and a secret value never shows in its error', () => {
  const config = loadIngressConfig({});
  assert.equal(config.INGRESS_PORT, 8080);
  assert.equal(config.INGRESS_HOST, '127.0.0.1');
  assert.equal(config.INGEST_MAX_DOCUMENT_BYTES, 20_000_000);
  assert.equal(config.WS_MAX_FRAME_BYTES, 1024 * 1024);
  assert.equal(config.WS_AUTH_TIMEOUT, 5000);
  assert.deepEqual(config.RIVULET_API_KEYS, [{ tenantId: 'default', key: 'rivulet-dev-key' }]);
  assert.notEqual(loadIngressConfig({}).INGRESS_INSTANCE_ID, config.INGRESS_INSTANCE_ID, 'each load draws its own instance id');
  assert.throws(() => loadIngressConfig({ RIVULET_API_KEYS: 'acme:tiny' }), (error: ConfigError) => /RIVULET_API_KEYS/.test(error.message) && !error.message.includes('tiny'));
  assert.throws(() => loadIngressConfig({ INGEST_MAX_DOCUMENT_BYTES: '30MiB' }), /INGEST_MAX_DOCUMENT_BYTES/);
});

test('WS_ALLOWED_ORIGINS: self, * or origins; anything more than an origin is refused; the new limits have their defaults', () => {
  const config = loadIngressConfig({});
  assert.deepEqual({ ...config.WS_ALLOWED_ORIGINS, origins: [...config.WS_ALLOWED_ORIGINS.origins] }, { any: false, self: true, origins: [] });
  assert.equal(config.WS_MAX_SOCKETS_PER_KEY, 100);
  assert.equal(config.INGRESS_METRICS_ON_API, true);
  const listed = loadIngressConfig({ WS_ALLOWED_ORIGINS: 'self, https://App.Example.com, http://localhost:3000/' }).WS_ALLOWED_ORIGINS;
  assert.deepEqual([...listed.origins], ['https://app.example.com', 'http://localhost:3000']);
  assert.equal(loadIngressConfig({ WS_ALLOWED_ORIGINS: '*' }).WS_ALLOWED_ORIGINS.any, true);
  for (const bad of ['https://app.example.com/path', 'app.example.com', 'ftp://files.example.com', 'https://user@app.example.com']) {
    assert.throws(() => loadIngressConfig({ WS_ALLOWED_ORIGINS: bad }), /WS_ALLOWED_ORIGINS/, bad);
  }
  assert.throws(() => loadIngressConfig({ WS_MAX_SOCKETS_PER_KEY: '0' }), /WS_MAX_SOCKETS_PER_KEY/);
});

test('the static key store resolves keys to tenants with an id that is not the key', async () => {
  const store = staticApiKeyStore([{ tenantId: 'acme', key: 'secret-key-1' }]);
  const principal = await store.lookup('secret-key-1');
  assert.equal(principal?.tenantId, 'acme');
  assert.ok(principal && !principal.keyId.includes('secret'));
  assert.equal(await store.lookup('secret-key-2'), undefined);
});

test('metadata is flattened to strings; nested values are refused', () => {
  assert.deepEqual(metadataOf({ a: 'x', n: 1.5, b: true }), { a: 'x', n: '1.5', b: 'true' });
  assert.throws(() => metadataOf({ list: [1] }), IngressError);
  assert.throws(() => metadataOf({ nothing: null }), /nested/);
  assert.throws(() => metadataOf('text'), /object/);
});

test('an upload without a useful media type gets one from its file name', () => {
  assert.equal(uploadMimeType(undefined, 'notes.md'), 'text/markdown; charset=utf-8');
  assert.equal(uploadMimeType('application/octet-stream', 'paper.PDF'), 'application/pdf');
  assert.equal(uploadMimeType('text/html', 'page.txt'), 'text/html');
  assert.equal(uploadMimeType(undefined, null), 'application/octet-stream');
});

test('frames: JSON objects with a known type; errors keep the frame id', () => {
  assert.equal(parseFrame('{"type":"ping"}').type, 'ping');
  assert.throws(() => parseFrame('[1,2]'), /JSON object/);
  assert.throws(() => parseFrame('{"type":"nope","id":"f-1"}'), (error: IngressError & { frameId?: string }) => error.frameId === 'f-1' && error.code === 'invalid_request');
});

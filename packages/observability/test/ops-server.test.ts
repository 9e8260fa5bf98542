import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, createMetrics, createPipelineMetrics, startOpsServer, type OpsServerOptions } from '../src/index.js';

const quietLogger = () => createLogger({ name: 'ops-test', level: 'silent', destination: new Writable({ write: (_chunk, _encoding, callback) => callback() }) });

const withServer = async (options: Partial<OpsServerOptions>, run: (url: string, server: Awaited<ReturnType<typeof startOpsServer>>) => Promise<void>) => {
  const server = await startOpsServer({ metrics: createMetrics({ collectDefaultMetrics: false }), logger: quietLogger(), ...options });
  try {
    await run(server.url, server);
  } finally {
    await server.close();
  }
};

const getJson = async (url: string) => {
  const response = await fetch(url);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return { status: response.status, body: await response.json() };
};

await test('ops server: /health answers 200 ok on a free port', async () => {
  await withServer({}, async (url, server) => {
    assert.ok(server.port > 0);
    assert.equal(url, `http://127.0.0.1:${server.port}`);
    assert.deepEqual(await getJson(`${url}/health`), { status: 200, body: { status: 'ok' } });
  });
});

await test('ops server: /ready is 200 when every check answers', async () => {
  await withServer({ readiness: { kafka: async () => {}, postgres: () => Promise.resolve() } }, async (url) => {
    assert.deepEqual(await getJson(`${url}/ready`), { status: 200, body: { status: 'ready', checks: { kafka: 'up', postgres: 'up' } } });
  });
});

await test('ops server: /ready is 503 naming what is down, failed or too slow', async () => {
  const readiness = {
    kafka: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9092')),
    schemaRegistry: () => new Promise<void>(() => {}),
    redis: () => { throw new Error('not connected'); },
    postgres: async () => {},
  };
  await withServer({ readiness, checkTimeoutMs: 100 }, async (url) => {
    const started = Date.now();
    assert.deepEqual(await getJson(`${url}/ready`), {
      status: 503,
      body: {
        status: 'not_ready',
        checks: {
          kafka: 'down: connect ECONNREFUSED 127.0.0.1:9092',
          schemaRegistry: 'down: no answer within 100ms',
          redis: 'down: not connected',
          postgres: 'up',
        },
      },
    });
    assert.ok(Date.now() - started < 1000, 'a hanging check is cut off at the timeout');
  });
});

await test('ops server: setReady(false) turns /ready to 503 draining while /health stays 200', async () => {
  await withServer({ readiness: { kafka: async () => {} } }, async (url, server) => {
    server.setReady(false);
    assert.deepEqual(await getJson(`${url}/ready`), { status: 503, body: { status: 'not_ready', checks: { process: 'down: draining' } } });
    assert.equal((await getJson(`${url}/health`)).status, 200);
    server.setReady(true);
    assert.equal((await getJson(`${url}/ready`)).status, 200);
  });
});

await test('ops server: /metrics serves Prometheus text including pipeline metrics', async () => {
  const metrics = createMetrics({ defaultLabels: { service: 'embedding' } });
  createPipelineMetrics(metrics).deadLettered({ group: 'g', topic: 't', reason: 'decode_failed' });
  await withServer({ metrics }, async (url) => {
    const response = await fetch(`${url}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), metrics.contentType);
    const text = await response.text();
    assert.match(text, /^rivulet_dead_letters_total\{group="g",topic="t",reason="decode_failed",service="embedding"\} 1$/m);
    assert.match(text, /^process_resident_memory_bytes\{service="embedding"\} \d+$/m);
  });
});

await test('ops server: anything else is a 404 JSON error', async () => {
  await withServer({}, async (url) => {
    assert.deepEqual(await getJson(`${url}/nope`), {
      status: 404,
      body: { error: { code: 'not_found', message: 'No GET /nope here: this server answers GET /health, /ready and /metrics.', retryable: false } },
    });
    const post = await fetch(`${url}/health`, { method: 'POST' });
    assert.equal(post.status, 404);
    assert.equal(((await post.json()) as { error: { code: string } }).error.code, 'not_found');
  });
});

await test('ops server: close() stops listening and can be called twice', async () => {
  const server = await startOpsServer({ metrics: createMetrics({ collectDefaultMetrics: false }), logger: quietLogger() });
  await fetch(`${server.url}/health`);
  await Promise.all([server.close(), server.close()]);
  await assert.rejects(fetch(`${server.url}/health`));
});

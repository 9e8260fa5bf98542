import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, createTracing, startTraceCollector, tracesUrl, type Tracing } from '../src/index.js';

// What Node loaded so far: OpenTelemetry's packages are CommonJS, so they show in require's cache.
const sdkModulesLoaded = (): string[] =>
  Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\/]@opentelemetry[\\/](sdk-trace|exporter-trace-otlp|resources)/.test(path));

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>));
      callback();
    },
  });
  return { logger: createLogger({ name: 'tracing-test', destination }), lines };
};

const started = async (tracing: Tracing | undefined): Promise<Tracing> => {
  assert.ok(tracing, 'tracing is on');
  await tracing.ready;
  return tracing;
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;
const idsOf = (traceparent: string) => {
  const match = TRACEPARENT.exec(traceparent);
  assert.ok(match, `a W3C traceparent: ${traceparent}`);
  return { traceId: match[1]!, spanId: match[2]!, flags: match[3]! };
};

// First in this file: no test before it may load the SDK.
await test('tracing off: no endpoint, no tracing, and the OpenTelemetry SDK is not loaded', () => {
  assert.equal(createTracing({ serviceName: 'rivulet-test', logger: capture().logger }), undefined);
  assert.equal(createTracing({ serviceName: 'rivulet-test', logger: capture().logger, endpoint: undefined, tracesEndpoint: undefined }), undefined);
  assert.deepEqual(sdkModulesLoaded(), []);
});

await test('tracesUrl: the base endpoint gets /v1/traces; the traces endpoint is used as written and wins', () => {
  assert.equal(tracesUrl({ endpoint: 'http://collector:4318' }), 'http://collector:4318/v1/traces');
  assert.equal(tracesUrl({ endpoint: 'http://collector:4318/' }), 'http://collector:4318/v1/traces');
  assert.equal(tracesUrl({ endpoint: 'http://a:4318', tracesEndpoint: 'http://b:4318/custom' }), 'http://b:4318/custom');
  assert.equal(tracesUrl({}), undefined);
});

await test('tracing on: spans reach the collector as OTLP JSON with the ids of their traceparent, parents linked, errors marked', async () => {
  const collector = await startTraceCollector();
  try {
    const tracing = await started(createTracing({ endpoint: collector.url, serviceName: 'rivulet-test', logger: capture().logger }));
    assert.ok(sdkModulesLoaded().length > 0, 'the SDK is loaded once tracing is on (the check above can see it)');
    const root = tracing.tracer.startSpan({ name: 'chat request', kind: 'server', attributes: { 'rivulet.request_id': 'r-1' } })!;
    const child = tracing.tracer.startSpan({ name: 'process topic', kind: 'consumer', parent: root.traceparent, attributes: { 'messaging.system': 'kafka', 'messaging.kafka.offset': 7 } })!;
    child.end({ error: { code: 'handler_failed', message: 'boom' }, attributes: { 'rivulet.attempts': 3 } });
    root.end();
    await tracing.shutdown();

    const rootIds = idsOf(root.traceparent);
    const childIds = idsOf(child.traceparent);
    assert.equal(rootIds.flags, '01');
    assert.equal(childIds.traceId, rootIds.traceId, 'one trace');
    const exportedRoot = collector.spans.find(({ name }) => name === 'chat request');
    const exportedChild = collector.spans.find(({ name }) => name === 'process topic');
    assert.ok(exportedRoot && exportedChild, `both exported: ${JSON.stringify(collector.spans)}`);
    assert.deepEqual([exportedRoot.traceId, exportedRoot.spanId, exportedRoot.parentSpanId], [rootIds.traceId, rootIds.spanId, '']);
    assert.deepEqual([exportedChild.traceId, exportedChild.spanId, exportedChild.parentSpanId], [rootIds.traceId, childIds.spanId, rootIds.spanId]);
    assert.equal(exportedRoot.kind, 2, 'SERVER');
    assert.equal(exportedChild.kind, 5, 'CONSUMER');
    assert.equal(exportedRoot.service, 'rivulet-test');
    assert.equal(exportedRoot.attributes['rivulet.request_id'], 'r-1');
    assert.equal(exportedChild.attributes['messaging.kafka.offset'], 7);
    assert.equal(exportedChild.attributes['rivulet.attempts'], 3);
    assert.deepEqual(exportedChild.status, { code: 2, message: 'boom' });
    assert.equal(exportedChild.attributes['error.type'], 'handler_failed');
    assert.equal(exportedRoot.status.code, 0);
  } finally {
    await collector.close();
  }
});

await test('sampling: a new trace follows the ratio, a hop follows its parent, and the header says which', async () => {
  const collector = await startTraceCollector();
  try {
    const tracing = await started(createTracing({ endpoint: collector.url, serviceName: 'rivulet-test', sampleRatio: 0, logger: capture().logger }));
    const dropped = tracing.tracer.startSpan({ name: 'dropped', kind: 'server' })!;
    assert.equal(idsOf(dropped.traceparent).flags, '00', 'not sampled, and the header tells the next hop');
    const droppedChild = tracing.tracer.startSpan({ name: 'dropped child', kind: 'consumer', parent: dropped.traceparent })!;
    assert.equal(idsOf(droppedChild.traceparent).traceId, idsOf(dropped.traceparent).traceId);
    const kept = tracing.tracer.startSpan({ name: 'kept', kind: 'consumer', parent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })!;
    assert.equal(idsOf(kept.traceparent).flags, '01', 'a sampled parent keeps its hop, whatever the ratio');
    const fresh = tracing.tracer.startSpan({ name: 'malformed parent', kind: 'consumer', parent: 'not-a-traceparent' })!;
    assert.notEqual(idsOf(fresh.traceparent).traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    for (const span of [dropped, droppedChild, kept, fresh]) span.end();
    await tracing.shutdown();
    assert.deepEqual(collector.spans.map(({ name, parentSpanId }) => [name, parentSpanId]), [['kept', '00f067aa0ba902b7']]);
  } finally {
    await collector.close();
  }
});

await test('a collector that is down: one warning, spans dropped, shutdown bounded', async () => {
  const collector = await startTraceCollector();
  const url = collector.url;
  await collector.close();
  const { logger, lines } = capture();
  const tracing = await started(createTracing({ endpoint: url, serviceName: 'rivulet-test', logger, exportDelayMs: 10, exportTimeoutMs: 1000 }));
  for (let index = 0; index < 3; index += 1) tracing.tracer.startSpan({ name: `span ${index}`, kind: 'internal' })!.end();
  const begun = Date.now();
  await tracing.shutdown(3000);
  assert.ok(Date.now() - begun < 3500, 'shutdown waited at most its timeout');
  const warnings = lines.filter((line) => line.msg === 'trace export failed; spans are dropped until the collector answers');
  assert.equal(warnings.length, 1, JSON.stringify(lines));
  assert.equal(warnings[0]?.component, 'tracing');
});

await test('createTracing: refuses a sample ratio outside 0..1', () => {
  assert.throws(() => createTracing({ endpoint: 'http://127.0.0.1:1', serviceName: 'x', sampleRatio: 2, logger: capture().logger }), /sampleRatio/);
});

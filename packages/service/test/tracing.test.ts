import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { startTraceCollector } from '@rivulet/observability';
import { createService } from '../src/index.js';
import { settings } from './support/settings.js';

// OpenTelemetry's packages are CommonJS, so what Node loaded of them shows in require's cache.
const sdkModulesLoaded = (): string[] =>
  Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\/]@opentelemetry[\\/](sdk-trace|exporter-trace-otlp|resources)/.test(path));

// First in this file: nothing before it may load the SDK.
await test('without an OTLP endpoint a service has no tracer and never loads the OpenTelemetry SDK', async () => {
  const service = createService('service-test', settings(), { exit: () => undefined });
  assert.equal(service.tracer, undefined);
  await service.serve();
  await service.stop();
  assert.deepEqual(sdkModulesLoaded(), []);
});

await test('with an endpoint the service traces as rivulet-<name>, and stop() sends the queued spans', async () => {
  const collector = await startTraceCollector();
  try {
    const service = createService('service-test', settings({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }), { exit: () => undefined });
    await service.serve();
    assert.ok(sdkModulesLoaded().length > 0, 'the SDK is loaded (so the check above could see it)');
    const span = service.tracer?.startSpan({ name: 'a request', kind: 'server' });
    assert.ok(span, 'spans are recorded once serve() resolved');
    span.end();
    // The batch processor waits 5 s between exports: only the flush on stop sends the span now.
    await service.stop();
    assert.deepEqual(collector.spans.map(({ name, service: serviceName, spanId }) => [name, serviceName, spanId]), [['a request', 'rivulet-service-test', span.traceparent.slice(36, 52)]]);
  } finally {
    await collector.close();
  }
});

await test('OTEL_SERVICE_NAME names the service; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as written', async () => {
  const collector = await startTraceCollector();
  try {
    const service = createService('service-test', settings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`, OTEL_SERVICE_NAME: 'custom-name' }), { exit: () => undefined });
    await service.serve();
    service.tracer?.startSpan({ name: 'named', kind: 'internal' })?.end();
    await service.stop();
    assert.deepEqual(collector.spans.map(({ service: serviceName }) => serviceName), ['custom-name']);
  } finally {
    await collector.close();
  }
});

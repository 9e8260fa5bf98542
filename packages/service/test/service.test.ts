import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createService } from '../src/index.js';
import { settings } from './support/settings.js';

test('a service serves /health, /ready (Kafka and the registry checked for real) and /metrics, and stops cleanly', async () => {
  const service = createService('service-test', settings(), { exit: () => undefined });
  const ops = await service.serve();
  assert.equal((await fetch(`${ops.url}/health`)).status, 200);
  const ready = await fetch(`${ops.url}/ready`);
  const body = (await ready.json()) as { checks: Record<string, string> };
  assert.equal(ready.status, 200, JSON.stringify(body));
  assert.deepEqual(Object.keys(body.checks).sort(), ['kafka', 'schemaRegistry']);
  assert.match(await (await fetch(`${ops.url}/metrics`)).text(), /process_cpu_user_seconds_total/);
  await service.stop();
  await assert.rejects(fetch(`${ops.url}/health`), 'the ops server is closed after stop');
});

test('/ready names the dependency that is down', async () => {
  const service = createService('service-test', settings({ SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7' }), { exit: () => undefined });
  const ops = await service.serve();
  const ready = await fetch(`${ops.url}/ready`);
  const body = (await ready.json()) as { checks: Record<string, string> };
  assert.equal(ready.status, 503);
  assert.match(body.checks.schemaRegistry ?? '', /^down/);
  await service.stop();
});

test('readiness() hands a second server the ops server\'s checks: Kafka and the registry probed for real, then the process\'s own', async () => {
  const service = createService('service-test', settings(), { exit: () => undefined });
  const own = { postgres: () => Promise.resolve() };
  const checks = service.readiness(own);
  assert.deepEqual(Object.keys(checks), ['kafka', 'schemaRegistry', 'postgres']);
  await checks.kafka!();
  await checks.schemaRegistry!();
  const ops = await service.serve(own);
  const body = (await (await fetch(`${ops.url}/ready`)).json()) as { status: string; checks: Record<string, string> };
  assert.deepEqual(body, { status: 'ready', checks: { kafka: 'up', schemaRegistry: 'up', postgres: 'up' } });
  await service.stop();
  const down = createService('service-test', settings({ SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7' }), { exit: () => undefined });
  await assert.rejects(down.readiness().schemaRegistry!(), 'a registry that cannot be reached fails the check');
  await down.stop();
});

test('workers built by the service consume the prefixed topics in a prefixed group, with the consumer tunables', async () => {
  const prefix = `service-${randomBytes(3).toString('hex')}.`;
  const service = createService('service-test', { ...settings({ KAFKA_TOPIC_PREFIX: prefix }), CONSUMER_MAX_ATTEMPTS: 2, KAFKA_SESSION_TIMEOUT: 6000 }, { exit: () => undefined });
  const worker = service.worker({ groupId: 'group', topics: ['some.topic'], handler: () => Promise.resolve() });
  const options = (worker as unknown as { options: { groupId: string; topics: string[]; maxAttempts: number; sessionTimeoutMs: number } }).options;
  assert.equal(options.groupId, `${prefix}group`);
  assert.deepEqual(options.topics, [`${prefix}some.topic`]);
  assert.equal(options.maxAttempts, 2);
  assert.equal(options.sessionTimeoutMs, 6000);
  assert.equal(service.producer.topicPrefix, prefix);
  await service.stop();
});

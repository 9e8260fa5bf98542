// `rivulet status` as an operator runs it: the built command, against the real services, on
// topics, groups and breakers of this run's own prefix.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createKafkaClient, deleteTopics, ensureTopics, silentLogger } from '@rivulet/kafka';
import { TOPIC_SPECS, TOPICS } from '@rivulet/schemas';
import { EMBEDDING_QUERIES_GROUP } from '@rivulet/worker-embedding';
import { breakerIndexKey, breakerKey, createRedisBreakerStore, GENERATION_GROUP } from '@rivulet/worker-generation';
import type { StatusReport } from '../src/commands/status.js';
import { freePort } from '@rivulet/infra';
import { topicDefinitions } from '../src/topics.js';
import { runCli } from './support/cli.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `status-test-${randomBytes(4).toString('hex')}.`;
const kafka = createKafkaClient({ brokers, clientId: 'rivulet-status-test', logger: silentLogger });
const redis = new Redis(redisUrl, { lazyConnect: true });
// Idempotent: a send retried under load must not write a record twice (the test counts them).
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const consumer = kafka.consumer({ groupId: prefix + GENERATION_GROUP });
const laggingGroup = prefix + EMBEDDING_QUERIES_GROUP;
const requests = prefix + TOPICS.chatRequests;
const deployment = 'status-test-deployment';
let breakerOpenedAt = 0;

const rivulet = (args: string[], env: Record<string, string> = {}) =>
  runCli(['status', ...args], { env: { KAFKA_TOPIC_PREFIX: prefix, KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, ...env }, timeoutMs: 30_000 });

const record = (index: number) => ({ key: `key-${index}`, value: `value-${index}` });

before(async () => {
  await ensureTopics(kafka, topicDefinitions(), { prefix });
  await producer.connect();
  // 5 records on partition 0 and 3 on partition 1 of the requests topic; 2 dead letters.
  await producer.send({ topic: requests, messages: [0, 1, 2, 3, 4].map((index) => ({ ...record(index), partition: 0 })) });
  await producer.send({ topic: requests, messages: [5, 6, 7].map((index) => ({ ...record(index), partition: 1 })) });
  await producer.send({ topic: prefix + TOPICS.deadLetter, messages: [record(8), record(9)] });
  // A group that stopped with lag: 3 behind on partition 0, caught up on partition 1.
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: laggingGroup, topic: requests, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '3' }] });
  await admin.disconnect();
  // A live member: the generation group on its topic, joined before the command runs.
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic: prefix + TOPICS.contextsRetrieved });
  await consumer.run({ eachMessage: () => Promise.resolve() });
  await joined;
  // A breaker recorded open by the router's own store: 5 failures of 5 requests.
  await redis.connect();
  const store = createRedisBreakerStore({ redis, prefix, settings: { windowMs: 60_000, minRequests: 5, failureRatio: 0.5, cooldownMs: 30_000 } });
  breakerOpenedAt = Date.now();
  for (let attempt = 0; attempt < 5; attempt++) await store.record(deployment, 'failure', breakerOpenedAt);
});

after(async () => {
  await consumer.disconnect();
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([laggingGroup, prefix + GENERATION_GROUP]).catch(() => undefined);
  await admin.disconnect();
  await deleteTopics(kafka, TOPIC_SPECS.map(({ name }) => prefix + name));
  await redis.del(breakerKey(deployment, prefix), breakerIndexKey(prefix));
  redis.disconnect();
});

test('status --json: services up, lag per partition, topic offsets and rates, dead letters, the open breaker', async () => {
  // Records written while the command samples, so the usage topic has a rate.
  const usage = prefix + TOPICS.usage;
  let writing = true;
  const writer = (async () => {
    for (let index = 0; writing; index++) {
      await producer.send({ topic: usage, messages: [record(index)] });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const { code, stdout, stderr } = await rivulet(['--json', '--sample', '1s']);
  writing = false;
  await writer;
  assert.equal(code, 0, `${stderr}\n${stdout.slice(0, 3000)}`);
  const report = JSON.parse(stdout) as StatusReport;

  assert.equal(report.topicPrefix, prefix);
  assert.equal(report.healthy, true);
  assert.deepEqual(report.services.map(({ component, healthy }) => [component, healthy]).sort(), [['kafka', true], ['postgres', true], ['redis', true], ['redis-cache', true], ['schema-registry', true]]);

  const groups = report.consumerGroups;
  assert.equal(groups.error, null);
  assert.deepEqual(groups.groups.map(({ groupId }) => groupId).sort(), [laggingGroup, prefix + GENERATION_GROUP].sort(), 'only this prefix\'s groups');
  const lagging = groups.groups.find(({ groupId }) => groupId === laggingGroup)!;
  assert.equal(lagging.worker, 'embedding');
  assert.equal(lagging.state, 'Empty');
  assert.deepEqual(lagging.members, []);
  assert.deepEqual(lagging.partitions.map(({ topic, partition, committedOffset, endOffset, lag }) => ({ topic, partition, committedOffset, endOffset, lag })), [
    { topic: requests, partition: 0, committedOffset: 2, endOffset: 5, lag: 3 },
    { topic: requests, partition: 1, committedOffset: 3, endOffset: 3, lag: 0 },
    ...[2, 3, 4, 5].map((partition) => ({ topic: requests, partition, committedOffset: null, endOffset: 0, lag: null })),
  ]);
  assert.equal(lagging.totalLag, 3);

  const live = groups.groups.find(({ groupId }) => groupId === prefix + GENERATION_GROUP)!;
  assert.equal(live.worker, 'generation');
  assert.equal(live.state, 'Stable');
  assert.equal(live.members.length, 1);
  assert.equal(live.members[0]!.clientId, 'rivulet-status-test');
  assert.deepEqual(live.members[0]!.assignment, [{ topic: prefix + TOPICS.contextsRetrieved, partitions: [0, 1, 2, 3, 4, 5] }]);
  assert.ok(live.partitions.every(({ memberId }) => memberId === live.members[0]!.memberId), 'each partition names its member');
  assert.deepEqual(groups.workers.map(({ worker, instances, totalLag }) => ({ worker, instances, totalLag })), [
    { worker: 'embedding', instances: 0, totalLag: 3 },
    { worker: 'generation', instances: 1, totalLag: 0 },
  ]);
  assert.equal(groups.totalLag, 3);

  const topics = report.topics;
  assert.equal(topics.error, null);
  assert.ok(topics.sampleMs >= 1000, `sampled for ${topics.sampleMs} ms`);
  assert.deepEqual(topics.topics.map(({ name }) => name), TOPIC_SPECS.map(({ name }) => name));
  const requestsTopic = topics.topics.find(({ topic }) => topic === requests)!;
  assert.deepEqual(requestsTopic, { name: TOPICS.chatRequests, topic: requests, exists: true, partitions: 6, endOffsetTotal: 8, retained: 8, messagesPerSecond: 0 });
  const usageTopic = topics.topics.find(({ name }) => name === TOPICS.usage)!;
  assert.ok((usageTopic.messagesPerSecond ?? 0) > 0, `usage rate ${usageTopic.messagesPerSecond}`);
  assert.deepEqual(topics.deadLetter, { topic: prefix + TOPICS.deadLetter, retained: 2, total: 2 });

  const breakers = report.breakers;
  assert.equal(breakers.error, null);
  assert.equal(breakers.deployments.length, 1);
  const breaker = breakers.deployments[0]!;
  assert.equal(breaker.deployment, deployment);
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.openUntil, new Date(breakerOpenedAt + 30_000).toISOString());
});

test('status: the sections as text, the lagging partition and the open breaker among them', async () => {
  const { code, stdout, stderr } = await rivulet(['--sample', '0s']);
  assert.equal(code, 0, stderr);
  for (const title of ['Services', 'Consumer groups', 'Topics', 'Model router breakers']) assert.match(stdout, new RegExp(`^${title}$`, 'm'));
  assert.match(stdout, new RegExp(`^ +${requests.replace(/\./g, '\\.')} +0 +2 +5 +3 +-$`, 'm'));
  assert.match(stdout, new RegExp(`^ +${deployment} +open +0/0 +`, 'm'));
  assert.match(stdout, /Rates not sampled/);
});

test('status --sample refuses a duration without a unit', async () => {
  const { code, stderr } = await rivulet(['--sample', '5']);
  assert.equal(code, 2);
  assert.match(stderr, /--sample/);
});

/** A port nothing listens on. */
const closedPort = freePort;

/** A server that accepts connections and never answers: a hung service, the case a deadline is for. */
const silentServer = async (): Promise<{ port: number; close(): Promise<void> }> => {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
};

const services = (report: StatusReport) => Object.fromEntries(report.services.map((service) => [service.component, service]));

test('status: the services are checked at the configured URLs; one at a closed port is down with the reason, the rest up', async () => {
  const port = await closedPort();
  const started = Date.now();
  const { code, stdout, stderr } = await rivulet(['--json', '--sample', '0s'], { REDIS_URL: `redis://:secret-password@127.0.0.1:${port}` });
  assert.ok(Date.now() - started < 15_000, `answered in ${Date.now() - started} ms`);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^Down: redis$/m);
  const report = JSON.parse(stdout) as StatusReport;
  assert.equal(report.healthy, false);
  const redisHealth = services(report).redis!;
  assert.deepEqual([redisHealth.address, redisHealth.healthy], [`127.0.0.1:${port}`, false], 'the configured port, not 6379');
  assert.match(redisHealth.detail, /ECONNREFUSED/);
  for (const component of ['postgres', 'kafka', 'schema-registry']) assert.equal(services(report)[component]?.healthy, true, component);
  assert.doesNotMatch(stdout, /secret-password/, 'credentials in a URL are never printed');
  assert.match(report.breakers.error ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`));
});

test('status: services that accept connections but never answer are down after the deadline, not waited on', async () => {
  const silent = await silentServer();
  try {
    const started = Date.now();
    const { code, stdout, stderr } = await rivulet(['--json', '--sample', '0s'], {
      DATABASE_URL: `postgres://rivulet:rivulet@127.0.0.1:${silent.port}/rivulet`,
      KAFKA_BROKERS: `127.0.0.1:${silent.port}`,
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${silent.port}/apis/ccompat/v7`,
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 12_000, `answered in ${elapsed} ms (deadline 3 s per check)`);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^Down: postgres, kafka, schema-registry$/m);
    const report = JSON.parse(stdout) as StatusReport;
    const byComponent = services(report);
    assert.equal(byComponent.postgres?.address, `127.0.0.1:${silent.port}/rivulet`);
    assert.equal(byComponent['schema-registry']?.address, `127.0.0.1:${silent.port}/apis/ccompat/v7`);
    for (const component of ['postgres', 'kafka', 'schema-registry']) {
      assert.equal(byComponent[component]?.healthy, false, component);
      assert.match(byComponent[component]?.detail ?? '', /time|within/i, `${component}: ${byComponent[component]?.detail}`);
    }
    assert.equal(byComponent.redis?.healthy, true);
    assert.notEqual(report.consumerGroups.error, null, 'the Kafka sections say why they are empty');
  } finally {
    await silent.close();
  }
});

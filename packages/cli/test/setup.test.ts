// `rivulet setup` as compose and Kubernetes run it: the built command against the real services,
// creating topics under this run's own prefix. Migrations and schemas go to the shared database and
// registry (the CLI has no per-schema setting; both steps are idempotent).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { createKafkaClient, deleteTopics, silentLogger } from '@rivulet/kafka';
import { TOPIC_SPECS } from '@rivulet/schemas';
import { runCli } from './support/cli.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const prefix = `setup-test-${randomBytes(4).toString('hex')}.`;
const kafka = createKafkaClient({ brokers, clientId: 'rivulet-setup-test', logger: silentLogger });
const expected = TOPIC_SPECS.map((spec) => prefix + spec.name);

const rivulet = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { KAFKA_TOPIC_PREFIX: prefix, KAFKA_BROKERS: brokers.join(','), ...env } });

const prefixedTopics = async (): Promise<string[]> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((name) => name.startsWith(prefix)).sort();
  } finally {
    await admin.disconnect();
  }
};

after(async () => {
  const left = await prefixedTopics();
  if (left.length > 0) await deleteTopics(kafka, left);
});

test('rivulet setup creates the prefixed topics, migrates and registers; a second run finds nothing new', async () => {
  const first = await rivulet(['setup', '--wait', '30s']);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.match(first.stdout, new RegExp(`^topics: ${expected.length} present \\(${expected.length} created\\)$`, 'm'));
  assert.match(first.stdout, /^migrations: \d+ applied \(\d+ new/m);
  assert.match(first.stdout, /^schemas: \d+ registered$/m);
  assert.deepEqual(await prefixedTopics(), [...expected].sort());

  const second = await rivulet(['setup', '--wait', '30s']);
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.match(second.stdout, new RegExp(`^topics: ${expected.length} present \\(0 created\\)$`, 'm'));
  assert.match(second.stdout, /^migrations: (\d+) applied \(0 new\)$/m);
  assert.match(second.stdout, /^setup: done in /m);
});

test('rivulet setup applies KAFKA_TOPIC_PARTITIONS and KAFKA_TOPIC_RETENTION to existing topics, and refuses at once what Kafka cannot do', async () => {
  // Runs after the first test: the prefixed topics exist with the declared settings.
  const grown = await rivulet(['setup', '--wait', '30s'], { KAFKA_TOPIC_PARTITIONS: 'rivulet.chat.requests=7', KAFKA_TOPIC_RETENTION: 'rivulet.usage=90d' });
  assert.equal(grown.code, 0, grown.stdout + grown.stderr);
  assert.match(grown.stdout, new RegExp(`^topics: ${expected.length} present \\(0 created, 1 with more partitions, 1 with new retention\\)$`, 'm'));

  const shrink = await rivulet(['setup', '--wait', '30s'], { KAFKA_TOPIC_PARTITIONS: 'rivulet.chat.requests=3' });
  assert.equal(shrink.code, 1, shrink.stdout + shrink.stderr);
  assert.match(shrink.stderr, /setup: refused: Kafka cannot remove partitions: .*rivulet\.chat\.requests has 7, 3 asked/);
  assert.ok(shrink.ms < 20_000, `refused without waiting out --wait (${shrink.ms} ms)`);

  const compacted = await rivulet(['setup', '--wait', '30s'], { KAFKA_TOPIC_PARTITIONS: 'rivulet.chat.requests=7,rivulet.ingestion.chunks=12' });
  assert.equal(compacted.code, 1, compacted.stdout + compacted.stderr);
  assert.match(compacted.stderr, /setup: refused: Refusing to add partitions to compacted .*rivulet\.ingestion\.chunks \(6 -> 12\)/);
});

test('rivulet setup exits 1 when the wait runs out, naming Kafka', async () => {
  const result = await rivulet(['setup', '--wait', '2s'], { KAFKA_BROKERS: '127.0.0.1:1' });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stderr, /still failing: Kafka \(no broker reachable \(127\.0\.0\.1:1 /);
  assert.doesNotMatch(result.stderr, /still failing:.*(PostgreSQL|schema registry)/, 'only Kafka was down');
  assert.ok(result.ms < 5000, `exited after ${result.ms} ms`);
});

test('rivulet setup exits 2 for a bad --wait or a bad variable', async () => {
  const wait = await rivulet(['setup', '--wait', 'soon']);
  assert.equal(wait.code, 2);
  assert.match(wait.stderr, /--wait: expected a duration/);
  const variable = await rivulet(['setup'], { KAFKA_BROKERS: 'localhost' });
  assert.equal(variable.code, 2);
  assert.match(variable.stderr, /KAFKA_BROKERS: .*expected host:port/);
});

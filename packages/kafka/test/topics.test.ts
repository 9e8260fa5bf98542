// ensureTopics against the real broker: creation, growth, refusal to shrink, retention updates
// that keep the other settings an operator put on the topic by hand.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ConfigResourceTypes } from 'kafkajs';
import { createKafkaClient, deleteTopics, ensureTopics, silentLogger, topicPartitionCount } from '../src/index.js';
import { uniqueName } from './support/environment.js';

const TOPIC_RESOURCE = 2 as ConfigResourceTypes;
const kafka = createKafkaClient({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'rivulet-topics-test', logger: silentLogger });
const name = uniqueName('topics');
after(() => deleteTopics(kafka, [name]).catch(() => undefined));

const topicConfig = async (): Promise<Record<string, string>> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name }] });
    return Object.fromEntries(resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]));
  } finally {
    await admin.disconnect();
  }
};

test('ensureTopics creates, grows, refuses to shrink, and updates retention keeping hand-set settings', { timeout: 60_000 }, async () => {
  const declared = (partitions: number, retentionMs: number) => [{ name, partitions, config: { 'cleanup.policy': 'delete', 'retention.ms': String(retentionMs) } }];

  assert.deepEqual(await ensureTopics(kafka, declared(2, 60_000)), [{ name, partitions: 2, action: 'created' }]);
  assert.equal(await topicPartitionCount(kafka, name), 2);
  assert.deepEqual(await ensureTopics(kafka, declared(2, 60_000)), [{ name, partitions: 2, action: 'unchanged' }]);

  assert.deepEqual(await ensureTopics(kafka, declared(3, 60_000)), [{ name, partitions: 3, action: 'partitions-increased' }]);
  assert.equal(await topicPartitionCount(kafka, name), 3);
  await assert.rejects(ensureTopics(kafka, declared(1, 60_000)), new RegExp(`Kafka cannot remove partitions: ${name} has 3, 1 asked`));
  assert.equal(await topicPartitionCount(kafka, name), 3, 'nothing changed');

  // An operator's own setting on the topic survives a retention change (AlterConfigs replaces the whole set).
  const admin = kafka.admin();
  await admin.connect();
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC_RESOURCE, name, configEntries: [{ name: 'retention.ms', value: '60000' }, { name: 'max.message.bytes', value: '2000000' }] }] });
  await admin.disconnect();
  const changes = await ensureTopics(kafka, declared(3, 120_000));
  assert.deepEqual(changes, [{ name, partitions: 3, action: 'config-updated', configChanges: [{ name: 'retention.ms', from: '60000', to: '120000' }] }]);
  const config = await topicConfig();
  assert.equal(config['retention.ms'], '120000');
  assert.equal(config['max.message.bytes'], '2000000', 'the hand-set setting was kept');
  assert.equal(config['cleanup.policy'], 'delete');
});

test('topicPartitionCount names a missing topic and how to create it', async () => {
  await assert.rejects(topicPartitionCount(kafka, uniqueName('missing')), /run `rivulet setup`/);
});

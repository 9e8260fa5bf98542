import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@rivulet/config';
import { TOPICS } from '@rivulet/schemas';
import { loadTopicSettings } from '../src/topic-settings.js';
import { topicDefinitions } from '../src/topics.js';

test('no overrides: the declared partitions and retention', () => {
  const definitions = topicDefinitions(loadTopicSettings({}));
  assert.deepEqual(definitions, topicDefinitions());
  assert.ok(definitions.every(({ partitions }) => partitions === 6));
});

test('KAFKA_TOPIC_PARTITIONS and KAFKA_TOPIC_RETENTION override the named topics only', () => {
  const definitions = topicDefinitions(loadTopicSettings({
    KAFKA_TOPIC_PARTITIONS: `${TOPICS.chunks}=24, ${TOPICS.chatRequests}=12`,
    KAFKA_TOPIC_RETENTION: `${TOPICS.usage}=90d`,
  }));
  const of = (name: string) => definitions.find((definition) => definition.name === name)!;
  assert.equal(of(TOPICS.chunks).partitions, 24);
  assert.equal(of(TOPICS.chatRequests).partitions, 12);
  assert.equal(of(TOPICS.replies).partitions, 6);
  assert.equal(of(TOPICS.usage).config?.['retention.ms'], String(90 * 24 * 3_600_000));
  assert.equal(of(TOPICS.chunks).config?.['cleanup.policy'], 'compact');
});

test('bad overrides name the variable and the problem', () => {
  const refused = (env: Record<string, string>, message: RegExp) => assert.throws(() => loadTopicSettings(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
  refused({ KAFKA_TOPIC_PARTITIONS: 'rivulet.nope=3' }, /KAFKA_TOPIC_PARTITIONS.*"rivulet\.nope" is not a Rivulet topic/s);
  refused({ KAFKA_TOPIC_PARTITIONS: `${TOPICS.chunks}=0` }, /KAFKA_TOPIC_PARTITIONS.*expected an integer from 1/s);
  refused({ KAFKA_TOPIC_PARTITIONS: `${TOPICS.chunks}` }, /KAFKA_TOPIC_PARTITIONS.*expected topic=value pairs/s);
  refused({ KAFKA_TOPIC_PARTITIONS: `${TOPICS.chunks}=2,${TOPICS.chunks}=3` }, /named twice/);
  refused({ KAFKA_TOPIC_RETENTION: `${TOPICS.chunks}=7d` }, /KAFKA_TOPIC_RETENTION.*is compacted/s);
  refused({ KAFKA_TOPIC_RETENTION: `${TOPICS.usage}=soon` }, /KAFKA_TOPIC_RETENTION/);
});

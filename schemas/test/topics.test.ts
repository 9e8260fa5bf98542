import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EVENT_TYPES, EVENT_TYPE_NAMES, TOPICS, TOPIC_FOR_EVENT_TYPE, TOPIC_SPECS, isEventType, topicConfig, topicSpec } from '../src/index.js';
import type { EventType, TopicEventType } from '../src/index.js';

await test('topics: exactly one spec per topic constant, names unique and under rivulet.', () => {
  const names = TOPIC_SPECS.map((spec) => spec.name);
  assert.deepEqual([...names].sort(), Object.values(TOPICS).sort());
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.match(name, /^rivulet\.[a-z-]+(\.[a-z-]+)?$/);
});

await test("topics: every topic's event types exist in the catalogue", () => {
  for (const spec of TOPIC_SPECS) {
    assert.ok(spec.eventTypes.length > 0, spec.name);
    for (const type of spec.eventTypes) assert.ok(isEventType(type) && EVENT_TYPES[type] !== undefined, `${spec.name}: ${type}`);
  }
});

await test('topics: every event type is published on exactly one topic', () => {
  const carried = TOPIC_SPECS.flatMap((spec) => spec.eventTypes as readonly EventType[]);
  assert.deepEqual([...carried].sort(), [...EVENT_TYPE_NAMES]);
  for (const type of EVENT_TYPE_NAMES) assert.ok(topicSpec(TOPIC_FOR_EVENT_TYPE[type]).eventTypes.includes(type), type);
  assert.equal(TOPIC_FOR_EVENT_TYPE['reply-delta'], TOPIC_FOR_EVENT_TYPE['reply-end'], 'a reply and its end share a topic, hence an order');
});

await test('topics: partition counts, producers and cleanup are sane', () => {
  for (const spec of TOPIC_SPECS) {
    assert.ok(Number.isInteger(spec.partitions) && spec.partitions > 0, spec.name);
    assert.ok(spec.producers.length > 0, `${spec.name} has a producer`);
    if (spec.cleanupPolicy === 'compact') {
      assert.equal(spec.retentionMs, null, spec.name);
      assert.deepEqual(Object.keys(topicConfig(spec)).sort(), ['cleanup.policy', 'delete.retention.ms']);
    } else {
      assert.ok(spec.retentionMs !== null && spec.retentionMs >= 60 * 60 * 1000, spec.name);
      assert.deepEqual(topicConfig(spec), { 'cleanup.policy': 'delete', 'retention.ms': String(spec.retentionMs) });
    }
  }
  const compacted = TOPIC_SPECS.filter((spec) => spec.cleanupPolicy === 'compact').map((spec) => spec.name).sort();
  assert.deepEqual(compacted, [TOPICS.chunks, TOPICS.chunksEmbedded, TOPICS.documents, TOPICS.documentsIndexed].sort());
});

await test('topics: the event types of a topic are typed', () => {
  const replyTypes: TopicEventType<'rivulet.chat.replies'>[] = ['reply-delta', 'reply-end'];
  // @ts-expect-error chunk-created is not carried on the replies topic
  const wrong: TopicEventType<'rivulet.chat.replies'> = 'chunk-created';
  assert.deepEqual([...replyTypes, wrong], ['reply-delta', 'reply-end', 'chunk-created']);
});

await test('topics: docs/topics.md describes every topic with its key and partitions', () => {
  const doc = readFileSync(new URL('../../docs/topics.md', import.meta.url), 'utf8');
  for (const spec of TOPIC_SPECS) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${spec.name}\` |`));
    assert.ok(row, `docs/topics.md has a table row for ${spec.name}`);
    const cells = row.split(' | ');
    assert.ok(cells[1]?.includes(spec.key), `${spec.name}: key cell names ${spec.key}`);
    assert.equal(cells[2], String(spec.partitions), `${spec.name}: partitions`);
    assert.ok(cells[3]?.startsWith(spec.cleanupPolicy), `${spec.name}: cleanup ${spec.cleanupPolicy}`);
  }
});

import type { TopicDefinition } from '@rivulet/kafka';
import { TOPIC_SPECS, topicConfig } from '@rivulet/schemas';
import type { TopicSettings } from './topic-settings.js';

const noOverrides: TopicSettings = { KAFKA_TOPIC_PARTITIONS: new Map(), KAFKA_TOPIC_RETENTION: new Map() };

/** The declared topics (docs/topics.md) as broker-side definitions, with the operator's partition and retention overrides. */
export const topicDefinitions = (settings: TopicSettings = noOverrides): TopicDefinition[] =>
  TOPIC_SPECS.map((declared) => {
    const retentionMs = settings.KAFKA_TOPIC_RETENTION.get(declared.name);
    const spec = retentionMs === undefined ? declared : { ...declared, retentionMs };
    return { name: spec.name, partitions: settings.KAFKA_TOPIC_PARTITIONS.get(spec.name) ?? spec.partitions, config: topicConfig(spec) };
  });

import type { TopicDefinition } from '@rivulet/kafka';
import { TOPIC_SPECS, topicConfig } from '@rivulet/schemas';

/** The declared topics (docs/topics.md) as broker-side definitions. */
export const topicDefinitions = (): TopicDefinition[] =>
  TOPIC_SPECS.map((spec) => ({ name: spec.name, partitions: spec.partitions, config: topicConfig(spec) }));

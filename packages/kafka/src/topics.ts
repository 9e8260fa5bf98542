import type { Kafka } from 'kafkajs';

export interface TopicDefinition {
  name: string;
  partitions: number;
  /** Broker-side topic configs, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string>;
}

export interface TopicChange {
  name: string;
  action: 'created' | 'partitions-increased' | 'unchanged';
  partitions: number;
}

/**
 * Creates missing topics and raises partition counts that are lower than declared
 * (partitions can only grow). Topics are never auto-created by the broker, so this
 * is the one way they come to exist.
 */
export const ensureTopics = async (kafka: Kafka, declared: readonly TopicDefinition[], { replicationFactor = 1, prefix = '' }: { replicationFactor?: number; prefix?: string } = {}): Promise<TopicChange[]> => {
  const topics = declared.map((topic) => ({ ...topic, name: prefix + topic.name }));
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor,
          configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const present = topics.filter((topic) => existing.has(topic.name));
    const metadata = present.length > 0 ? await admin.fetchTopicMetadata({ topics: present.map((topic) => topic.name) }) : { topics: [] };
    const grow = present.filter((topic) => {
      const current = metadata.topics.find((entry) => entry.name === topic.name)?.partitions.length ?? 0;
      return current < topic.partitions;
    });
    if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow.map((topic) => ({ topic: topic.name, count: topic.partitions })) });
    return topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions,
      action: missing.includes(topic) ? 'created' : grow.includes(topic) ? 'partitions-increased' : 'unchanged',
    }));
  } finally {
    await admin.disconnect();
  }
};

/** Deletes topics (tests clean up after themselves with this). */
export const deleteTopics = async (kafka: Kafka, names: readonly string[]): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...names], timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
};

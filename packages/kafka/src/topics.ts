import type { ConfigResourceTypes, ConfigSource, Kafka } from 'kafkajs';

// kafkajs's enums, by value: its CommonJS exports past `CompressionTypes` are not visible as ESM named imports.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;
const SET_ON_THE_TOPIC = 1 as ConfigSource;

export interface TopicDefinition {
  name: string;
  partitions: number;
  /** Broker-side topic configs, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string>;
}

export interface TopicChange {
  name: string;
  action: 'created' | 'partitions-increased' | 'config-updated' | 'unchanged';
  partitions: number;
  /** With `config-updated`: the settings that changed, as they were and as they are now. */
  configChanges?: { name: string; from: string | null; to: string }[];
}

/** A topic change Kafka cannot make, or that would break the data on it: retrying does not help. */
export class TopicChangeRefused extends Error {
  override readonly name = 'TopicChangeRefused';
}

/** Settings ensureTopics keeps as declared on existing topics; `cleanup.policy` is never changed on a live topic. */
const UPDATABLE_CONFIGS = ['retention.ms', 'delete.retention.ms'] as const;

/**
 * Creates missing topics, raises partition counts that are lower than declared (partitions can
 * only grow: a declared count below the topic's is refused, naming the topic), and brings the
 * retention settings of existing topics to what is declared (other topic settings an operator
 * set by hand are kept). Topics are never auto-created by the broker, so this is the one way
 * they come to exist.
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
    const currentPartitions = (topic: TopicDefinition): number => metadata.topics.find((entry) => entry.name === topic.name)?.partitions.length ?? 0;
    const shrink = present.filter((topic) => currentPartitions(topic) > topic.partitions);
    if (shrink.length > 0) {
      throw new TopicChangeRefused(`Kafka cannot remove partitions: ${shrink.map((topic) => `${topic.name} has ${currentPartitions(topic)}, ${topic.partitions} asked`).join('; ')}. Ask for at least the current count (KAFKA_TOPIC_PARTITIONS), or recreate the topic and replay it.`);
    }
    const grow = present.filter((topic) => currentPartitions(topic) < topic.partitions);
    // A key moves to another partition when a topic grows; on a compacted topic its older records
    // stay where they were, and the newer record (or tombstone) no longer replaces them.
    const compactedGrowth = grow.filter((topic) => topic.config?.['cleanup.policy'] === 'compact');
    if (compactedGrowth.length > 0) {
      throw new TopicChangeRefused(`Refusing to add partitions to compacted ${compactedGrowth.map((topic) => `${topic.name} (${currentPartitions(topic)} -> ${topic.partitions})`).join(', ')}: its keys would move to other partitions, and the records already written would never be replaced or removed (not even by rivulet erase). Create a new topic with the count and replay into it (docs/operations.md, Scaling), or keep the current count.`);
    }
    if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow.map((topic) => ({ topic: topic.name, count: topic.partitions })) });

    const changed = new Map<string, NonNullable<TopicChange['configChanges']>>();
    const wanted = present.filter((topic) => UPDATABLE_CONFIGS.some((name) => topic.config?.[name] !== undefined));
    if (wanted.length > 0) {
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: wanted.map((topic) => ({ type: TOPIC_RESOURCE, name: topic.name })) });
      const updates = [];
      for (const topic of wanted) {
        const entries = described.resources.find((resource) => resource.resourceName === topic.name)?.configEntries ?? [];
        const differences = UPDATABLE_CONFIGS.flatMap((name) => {
          const to = topic.config?.[name];
          const from = entries.find((entry) => entry.configName === name)?.configValue ?? null;
          return to !== undefined && to !== from ? [{ name, from, to }] : [];
        });
        if (differences.length === 0) continue;
        changed.set(topic.name, differences);
        // AlterConfigs replaces the topic's whole dynamic configuration: keep what is set on it, change ours.
        const kept = Object.fromEntries(entries.filter((entry) => entry.configSource === SET_ON_THE_TOPIC).map((entry) => [entry.configName, entry.configValue]));
        const merged = { ...kept, ...Object.fromEntries(differences.map(({ name, to }) => [name, to])) };
        updates.push({ type: TOPIC_RESOURCE, name: topic.name, configEntries: Object.entries(merged).map(([name, value]) => ({ name, value })) });
      }
      if (updates.length > 0) await admin.alterConfigs({ validateOnly: false, resources: updates });
    }
    return topics.map((topic): TopicChange => {
      const action = missing.includes(topic) ? 'created' : grow.includes(topic) ? 'partitions-increased' : changed.has(topic.name) ? 'config-updated' : 'unchanged';
      const configChanges = changed.get(topic.name);
      return { name: topic.name, partitions: topic.partitions, action, ...(configChanges ? { configChanges } : {}) };
    });
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

/** A topic's partition count as the broker has it; a clear error when the topic does not exist. */
export const topicPartitionCount = async (kafka: Kafka, topic: string): Promise<number> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch((error: unknown) => {
      throw new Error(`Topic ${topic} is not there (${(error as Error).message}); run \`rivulet setup\` (or \`rivulet infra up\`) first`, { cause: error });
    });
    const count = metadata.topics.find((entry) => entry.name === topic)?.partitions.length ?? 0;
    if (count === 0) throw new Error(`Topic ${topic} has no partitions; run \`rivulet setup\` (or \`rivulet infra up\`) first`);
    return count;
  } finally {
    await admin.disconnect();
  }
};

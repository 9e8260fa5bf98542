// Partition counts and retention of the declared topics, as an operator overrides them for
// `rivulet setup` and `rivulet infra up` (the two commands that create and update topics).
import { defineConfig, fromParser, loadConfig, parseDuration, parseInteger, variable } from '@rivulet/config';
import { TOPIC_SPECS, type TopicName } from '@rivulet/schemas';

const TOPIC_NAMES = new Set<string>(TOPIC_SPECS.map(({ name }) => name));

/** `name=value,name=value` with every name a declared topic (without KAFKA_TOPIC_PREFIX). */
const perTopic = <T>(parseValue: (text: string, topic: TopicName) => T) => fromParser((text): ReadonlyMap<TopicName, T> => {
  const entries = new Map<TopicName, T>();
  for (const item of text.split(',').map((part) => part.trim()).filter((part) => part.length > 0)) {
    const separator = item.indexOf('=');
    if (separator <= 0) throw new TypeError(`expected topic=value pairs, got "${item}"`);
    const name = item.slice(0, separator).trim();
    if (!TOPIC_NAMES.has(name)) throw new TypeError(`"${name}" is not a Rivulet topic (one of: ${[...TOPIC_NAMES].join(', ')})`);
    if (entries.has(name as TopicName)) throw new TypeError(`"${name}" is named twice`);
    entries.set(name as TopicName, parseValue(item.slice(separator + 1).trim(), name as TopicName));
  }
  return entries;
});

export const topicSettingsSchema = defineConfig({
  KAFKA_TOPIC_PARTITIONS: variable({
    description: 'Partition counts that differ from the declared ones (6 each), as topic=count pairs, e.g. `rivulet.chat.requests=12,rivulet.chat.replies=12`. A topic\'s partition count is the most consumers of one group that can work on it at once. Counts can only grow: a lower count than the topic has is refused, and so is growing an existing compacted topic (set those at the first setup). Growing a keyed topic moves keys to other partitions (docs/operations.md, Scaling).',
    schema: perTopic((value) => parseInteger(value, { min: 1, max: 10_000 })), default: '', documentedDefault: '(the declared counts)',
  }),
  KAFKA_TOPIC_RETENTION: variable({
    description: 'Retention of `delete` topics that differs from the declared one, as topic=duration pairs, e.g. `rivulet.chat.requests=7d,rivulet.usage=90d`. Applied to existing topics too. Compacted topics keep the latest record per key and take no retention.',
    schema: perTopic((value, topic) => {
      const spec = TOPIC_SPECS.find(({ name }) => name === topic)!;
      if (spec.cleanupPolicy !== 'delete') throw new TypeError(`${topic} is compacted (it keeps the latest record per key); it has no retention to set`);
      const ms = parseDuration(value);
      if (ms <= 0) throw new TypeError(`retention of ${topic} must be longer than 0`);
      return ms;
    }),
    default: '', documentedDefault: '(the declared retention)',
  }),
});

export interface TopicSettings {
  KAFKA_TOPIC_PARTITIONS: ReadonlyMap<TopicName, number>;
  KAFKA_TOPIC_RETENTION: ReadonlyMap<TopicName, number>;
}

/** The overrides from the environment; a bad value stops the command with a message naming it. */
export const loadTopicSettings = (env: NodeJS.ProcessEnv = process.env): TopicSettings => loadConfig(topicSettingsSchema, env);

// What `rivulet dlq list` and `rivulet dlq replay` share: checking the topics exist, then reading
// the dead-letter topic once.
import { openClusterInspector, scanDeadLetters, type DeadLetterScan, type Kafka } from '@rivulet/kafka';
import { TOPICS } from '@rivulet/schemas';
import { cliCodec, type CliConfig } from '../context.js';
import { CALL_TIMEOUT_MS } from './replay.js';

/** How long a read may wait for the next record (or the schema registry) before it gives up. */
const READ_TIMEOUT_MS = 15_000;

export interface FoundDeadLetters {
  scan: DeadLetterScan;
  /** Consumer groups the broker knows, to tell an unknown `--group` from one with no dead letters. */
  groupIds: string[];
}

/**
 * Checks the dead-letter topic (and `topic`, when given) exist, then scans the dead-letter topic
 * for dead letters read from `topic`. Returns a message for the operator when a topic is missing.
 */
export const scanFor = async (config: CliConfig, kafka: Kafka, filter: { topic?: string }): Promise<FoundDeadLetters | string> => {
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const inspector = await openClusterInspector({ kafka, brokers: config.KAFKA_BROKERS, timeoutMs: CALL_TIMEOUT_MS });
  let groupIds: string[];
  try {
    const existing = new Set(await inspector.topicNames());
    if (!existing.has(prefix + TOPICS.deadLetter)) return `The dead-letter topic ${prefix + TOPICS.deadLetter} does not exist; run \`rivulet infra up\` (with this KAFKA_TOPIC_PREFIX).`;
    if (filter.topic !== undefined && !existing.has(filter.topic)) return `Unknown topic ${filter.topic}${prefix === '' ? '' : ` (KAFKA_TOPIC_PREFIX=${prefix})`}.`;
    groupIds = await inspector.groupIds();
  } finally {
    await inspector.close().catch(() => undefined);
  }
  const scan = await scanDeadLetters({
    kafka, codec: cliCodec(config), prefix, deadLetterTopic: TOPICS.deadLetter, originalTopic: filter.topic, timeoutMs: READ_TIMEOUT_MS,
  });
  return { scan, groupIds };
};

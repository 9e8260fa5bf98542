// Reading the dead-letter topic for operators (`rivulet dlq list`, `rivulet dlq replay`): every
// dead letter from the earliest retained one to the end captured at the start, decoded through the
// registry, each marked with whether a `dlq replay` already re-drove it.
import type { Admin, Kafka } from 'kafkajs';
import { settleWithin, withDeadline } from './deadline.js';
import { DEAD_LETTER_EVENT_TYPE, type DeadLetterEvent } from './dead-letter.js';
import { readTopicOnce } from './topic-reader.js';

/** What decoding needs of the codec: an `EventCodec` whose catalogue includes `event-dead-lettered`. */
export interface DeadLetterDecoder {
  decode(buffer: Buffer | null): Promise<{ type: string; value: unknown }>;
}

export interface DeadLetterRecord {
  /** Where the dead letter itself sits on the dead-letter topic. */
  partition: number;
  offset: number;
  event: DeadLetterEvent;
  /** A `dlq replay` already produced it back to its original topic (its progress group is past it). */
  replayed: boolean;
}

export interface UndecodableRecord {
  partition: number;
  offset: number;
  reason: string;
}

export interface DeadLetterScan {
  /** The dead-letter topic read (prefixed). */
  topic: string;
  prefix: string;
  /** The dead letters that matched the filter, in partition then offset order. */
  letters: DeadLetterRecord[];
  /** Records on the topic that are not decodable dead letters (whatever the filter). */
  undecodable: UndecodableRecord[];
  /** End offset of each partition when the read started; every record below it was read. */
  ends: Map<number, number>;
  /** Records read, matching or not. */
  read: number;
}

export interface ScanDeadLettersOptions {
  kafka: Kafka;
  codec: DeadLetterDecoder;
  /** KAFKA_TOPIC_PREFIX: names the dead-letter topic, the throwaway reader group and the progress groups. */
  prefix: string;
  /** The dead-letter topic without the prefix (TOPICS.deadLetter). */
  deadLetterTopic: string;
  /** Only dead letters read from this topic (the prefixed name, as recorded). */
  originalTopic?: string;
  /** Only dead letters of this consumer group (the prefixed id, as recorded). */
  consumerGroup?: string;
  /** Deadline of each call, and of the wait for the next record. Default 10000 ms. */
  timeoutMs?: number;
}

const unprefixed = (prefix: string, name: string): string => (prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name);

/**
 * The consumer group whose committed offsets on the dead-letter topic record how far `dlq replay`
 * got for one original topic and one consumer group that gave up: every dead letter of that pair
 * below the committed offset of its partition was replayed. The group never has members; only
 * its offsets are used.
 */
export const deadLetterReplayGroupId = (prefix: string, originalTopic: string, consumerGroup: string): string =>
  `${prefix}rivulet-dlq-replay-${unprefixed(prefix, originalTopic)}--${unprefixed(prefix, consumerGroup)}`;

/** Committed offsets on `topic` of those `groupIds` that exist: group id -> partition -> offset. */
export const committedProgress = async (admin: Admin, topic: string, groupIds: readonly string[], timeoutMs: number): Promise<Map<string, Map<number, number>>> => {
  const progress = new Map<string, Map<number, number>>();
  if (groupIds.length === 0) return progress;
  const { groups } = await withDeadline('list consumer groups', timeoutMs, admin.listGroups());
  const existing = new Set(groups.map(({ groupId }) => groupId));
  for (const groupId of groupIds.filter((id) => existing.has(id))) {
    const topics = await withDeadline(`committed offsets of ${groupId}`, timeoutMs, admin.fetchOffsets({ groupId, topics: [topic] }));
    const partitions = topics.find((entry) => entry.topic === topic)?.partitions ?? [];
    progress.set(groupId, new Map(partitions.filter(({ offset }) => Number(offset) >= 0).map(({ partition, offset }) => [partition, Number(offset)])));
  }
  return progress;
};

/** Reads the whole dead-letter topic once and returns the dead letters that match the filter. */
export const scanDeadLetters = async (options: ScanDeadLettersOptions): Promise<DeadLetterScan> => {
  const { kafka, codec, prefix, originalTopic, consumerGroup, timeoutMs = 10_000 } = options;
  const topic = prefix + options.deadLetterTopic;
  const letters: Omit<DeadLetterRecord, 'replayed'>[] = [];
  const undecodable: UndecodableRecord[] = [];
  const { ends, records } = await readTopicOnce({
    kafka, topic, groupPrefix: prefix, timeoutMs,
    onRecord: async ({ partition, offset, value }) => {
      let decoded: { type: string; value: unknown };
      try {
        decoded = await withDeadline('schema registry', timeoutMs, codec.decode(value));
      } catch (error) {
        // A registry that does not answer fails the read; a record that does not decode is reported.
        if ((error as { code?: string }).code === 'timeout' || (error as { code?: string }).code === 'registry_unavailable') throw error;
        undecodable.push({ partition, offset, reason: (error as Error).message });
        return;
      }
      if (decoded.type !== DEAD_LETTER_EVENT_TYPE) {
        undecodable.push({ partition, offset, reason: `a ${decoded.type} event, not ${DEAD_LETTER_EVENT_TYPE}` });
        return;
      }
      const event = decoded.value as DeadLetterEvent;
      if (originalTopic !== undefined && event.payload.originalTopic !== originalTopic) return;
      if (consumerGroup !== undefined && event.payload.consumerGroup !== consumerGroup) return;
      letters.push({ partition, offset, event });
    },
  });
  letters.sort((left, right) => left.partition - right.partition || left.offset - right.offset);

  const progressGroupOf = (letter: Omit<DeadLetterRecord, 'replayed'>): string =>
    deadLetterReplayGroupId(prefix, letter.event.payload.originalTopic, letter.event.payload.consumerGroup);
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
  try {
    await withDeadline('connect', timeoutMs, admin.connect());
    const progress = await committedProgress(admin, topic, [...new Set(letters.map(progressGroupOf))], timeoutMs);
    return {
      topic, prefix, undecodable, ends, read: records,
      letters: letters.map((letter) => ({ ...letter, replayed: letter.offset < (progress.get(progressGroupOf(letter))?.get(letter.partition) ?? 0) })),
    };
  } finally {
    await settleWithin(timeoutMs, () => admin.disconnect());
  }
};

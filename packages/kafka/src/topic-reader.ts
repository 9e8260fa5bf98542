// Reading a whole topic once, for operator commands (`rivulet dlq`): from the earliest retained
// record up to the end offsets captured at the start, then stop. Records written meanwhile are
// left for the next run, so the read always ends.
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { settleWithin, withDeadline } from './deadline.js';
import { RivuletKafkaError } from './errors.js';
import { readHeaders, type HeaderMap } from './headers.js';

export interface TopicRecord {
  partition: number;
  offset: number;
  /** The record's Kafka timestamp, in ms since the epoch. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: HeaderMap;
}

export interface ReadTopicOptions {
  kafka: Kafka;
  topic: string;
  /**
   * Consumer groups need a name: the read joins a throwaway group `<groupPrefix>rivulet-reader-<random>`
   * (no offsets are committed) and deletes it afterwards. Pass the environment's KAFKA_TOPIC_PREFIX.
   */
  groupPrefix?: string;
  /** Called for each record, in offset order within a partition; awaited. */
  onRecord: (record: TopicRecord) => Promise<void> | void;
  /** Deadline of each admin call, and of the wait for the next record while some are still due. Default 10000 ms. */
  timeoutMs?: number;
}

export interface TopicReadResult {
  /** End offset (high watermark) of each partition when the read started: every record below was read. */
  ends: Map<number, number>;
  records: number;
}

/** Reads `topic` from its earliest retained record to its end offsets captured at the start. */
export const readTopicOnce = async ({ kafka, topic, groupPrefix = '', onRecord, timeoutMs = 10_000 }: ReadTopicOptions): Promise<TopicReadResult> => {
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
  await withDeadline('connect', timeoutMs, admin.connect()).catch(async (error: unknown) => {
    await settleWithin(timeoutMs, () => admin.disconnect());
    throw error;
  });
  const groupId = `${groupPrefix}rivulet-reader-${randomBytes(6).toString('hex')}`;
  let records = 0;
  let grouped = false;
  try {
    const offsets = await withDeadline(`offsets of ${topic}`, timeoutMs, admin.fetchTopicOffsets(topic));
    const ends = new Map(offsets.map(({ partition, high }) => [partition, Number(high)]));
    const due = new Set(offsets.filter(({ low, high }) => Number(low) < Number(high)).map(({ partition }) => partition));
    if (due.size === 0) return { ends, records };

    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, retry: { retries: 2 } });
    grouped = true;
    try {
      await withDeadline('connect the reader', timeoutMs, consumer.connect());
      await withDeadline(`subscribe to ${topic}`, timeoutMs, consumer.subscribe({ topics: [topic], fromBeginning: true }));
      await new Promise<void>((resolve, reject) => {
        let idle: NodeJS.Timeout | undefined;
        let settled = false;
        const finish = (error?: unknown): void => {
          if (settled) return;
          settled = true;
          clearTimeout(idle);
          if (error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        };
        const waitForMore = (): void => {
          clearTimeout(idle);
          idle = setTimeout(() => finish(new RivuletKafkaError('timeout', `reading ${topic}: no record within ${timeoutMs} ms while partitions ${[...due].join(', ')} still had records due`, { retriable: true })), timeoutMs);
        };
        waitForMore();
        consumer.on(consumer.events.CRASH, ({ payload }) => finish(payload.error));
        consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = Number(message.offset);
            const end = ends.get(partition) ?? 0;
            if (settled || !due.has(partition) || offset >= end) return;
            waitForMore();
            try {
              await onRecord({
                partition, offset, timestamp: Number(message.timestamp), key: message.key ?? null, value: message.value ?? null,
                headers: readHeaders(message.headers),
              });
            } catch (error) {
              finish(error);
              return;
            }
            records++;
            if (offset + 1 >= end) {
              due.delete(partition);
              consumer.pause([{ topic, partitions: [partition] }]);
              if (due.size === 0) finish();
            }
          },
        }).catch(finish);
      });
    } finally {
      await settleWithin(timeoutMs, () => consumer.disconnect());
    }
    return { ends, records };
  } finally {
    if (grouped) await settleWithin(timeoutMs, () => admin.deleteGroups([groupId]));
    await settleWithin(timeoutMs, () => admin.disconnect());
  }
};

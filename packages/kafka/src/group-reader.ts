// Reading one topic in a consumer group of its own, in batches, for an operator command that
// works through a topic for a long time and must resume where it stopped (`rivulet reindex`):
// each batch is committed once its handler resolved, nothing is produced, nothing is
// dead-lettered. A handler that throws stops the reader with its batch uncommitted. Workers use
// the Worker runtime instead (per-event retries, dead letters, outputs).
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { backoffDelay, sleep } from './backoff.js';
import type { AnyDecodedEvent, EventMap } from './catalog.js';
import type { EventCodec } from './codec.js';
import { settleWithin, withDeadline } from './deadline.js';
import { classifyError } from './errors.js';
import { silentLogger, type RuntimeLogger } from './logger.js';

export interface GroupRecord<Events extends EventMap> {
  partition: number;
  offset: string;
  key: string | null;
  /** Undefined for a tombstone (a removed key) and for a record that does not decode (logged). */
  event: AnyDecodedEvent<Events> | undefined;
}

export interface PartitionLag {
  partition: number;
  /** The next offset the group reads; null before its first commit there. */
  committed: number | null;
  /** The partition's end offset (high watermark). */
  end: number;
  /** Records not yet committed by the group. */
  lag: number;
}

export interface GroupReaderOptions<Events extends EventMap> {
  kafka: Kafka;
  codec: EventCodec<Events>;
  /** The full group id and topic name (KAFKA_TOPIC_PREFIX already applied). */
  groupId: string;
  topic: string;
  /**
   * Up to `maxBatchRecords` records of one partition, in offset order. Once it resolves they are
   * committed; when it throws the reader stops (`failed` rejects) and they are read again by the
   * group's next run.
   */
  handle: (records: readonly GroupRecord<Events>[], partition: number) => Promise<void>;
  /** Default 32. */
  maxBatchRecords?: number;
  /** Partitions handled at once. Default 2. */
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Deadline of each admin call (lag). Default 5000 ms. */
  timeoutMs?: number;
  logger?: RuntimeLogger;
}

export interface GroupReader {
  /** Joins the group and starts reading at its committed offsets (the earliest record for a new group). */
  start(): Promise<void>;
  /** Rejects when a handler threw or the consumer crashed for good. */
  readonly failed: Promise<never>;
  /** End offset against committed offset, per partition of the topic (also before start; not after stop). */
  lag(): Promise<{ total: number; partitions: PartitionLag[] }>;
  /** Stops reading: the batch in hand is finished and committed; leaves the group. */
  stop(): Promise<void>;
}

export const openGroupReader = <Events extends EventMap>({
  kafka, codec, groupId, topic, handle, maxBatchRecords = 32, partitionsConsumedConcurrently = 2,
  sessionTimeoutMs = 30_000, heartbeatIntervalMs = 3_000, timeoutMs = 5_000, logger = silentLogger,
}: GroupReaderOptions<Events>): GroupReader => {
  const consumer: Consumer = kafka.consumer({
    groupId, sessionTimeout: sessionTimeoutMs, heartbeatInterval: heartbeatIntervalMs, allowAutoTopicCreation: false,
    maxWaitTimeInMs: Math.min(1000, heartbeatIntervalMs), retry: { retries: 10 },
  });
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
  const stopController = new AbortController();
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  // Nobody may be listening yet: an unobserved rejection must not end the process.
  failed.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  let adminConnected: Promise<void> | undefined;
  const connectAdmin = (): Promise<void> => (adminConnected ??= admin.connect());

  const decode = async (message: KafkaMessage): Promise<AnyDecodedEvent<Events> | undefined> => {
    if (message.value === null) return undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await codec.decode(message.value);
      } catch (error) {
        const classified = classifyError(error);
        if (!classified.retriable) {
          logger.warn({ topic, offset: message.offset, error: classified.message }, 'record does not decode; skipped');
          return undefined;
        }
        logger.warn({ topic, offset: message.offset, attempt, error: classified.message }, 'schema registry unavailable, retrying decode');
        if (!(await sleep(backoffDelay(attempt, 200, 5_000), stopController.signal))) throw error instanceof Error ? error : new Error(classified.message);
      }
    }
  };

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });

  return {
    failed,
    async start() {
      await connectAdmin();
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently,
        eachBatch: async (payload) => {
          const { batch } = payload;
          for (let start = 0; start < batch.messages.length; start += maxBatchRecords) {
            if (stopController.signal.aborted || !payload.isRunning() || payload.isStale()) return;
            const slice = batch.messages.slice(start, start + maxBatchRecords);
            try {
              const records: GroupRecord<Events>[] = [];
              for (const message of slice) records.push({ partition: batch.partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, event: await decode(message) });
              await handle(records, batch.partition);
            } catch (error) {
              // Nothing of this slice is committed; stop taking more from this partition.
              consumer.pause([{ topic, partitions: [batch.partition] }]);
              fail(error instanceof Error ? error : new Error(String(error)));
              return;
            }
            const last = slice.at(-1)!.offset;
            payload.resolveOffset(last);
            await consumer.commitOffsets([{ topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
            await payload.heartbeat();
          }
        },
      });
    },
    async lag() {
      await withDeadline('connect', timeoutMs, connectAdmin());
      const [committed, ends] = await withDeadline(`lag of ${groupId}`, timeoutMs, Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]));
      const byPartition = new Map((committed[0]?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
      const partitions = ends
        .map(({ partition, low, high }): PartitionLag => {
          const offset = byPartition.get(partition);
          const next = offset === undefined || offset < 0 ? null : offset;
          return { partition, committed: next, end: Number(high), lag: Math.max(0, Number(high) - (next ?? Number(low))) };
        })
        .sort((left, right) => left.partition - right.partition);
      return { total: partitions.reduce((sum, { lag }) => sum + lag, 0), partitions };
    },
    stop() {
      stopping ??= (async () => {
        stopController.abort();
        await settleWithin(30_000, () => consumer.disconnect());
        await settleWithin(timeoutMs, () => admin.disconnect());
      })();
      return stopping;
    },
  };
};

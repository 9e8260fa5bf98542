// Tombstones: a record with a key and a null value, which tells a compacted topic to forget the
// key (after delete.retention.ms, consumers offline for less still see it). A handler's tombstones
// leave through the runtime (HandlerOutput, EventProducer.send); erasure (`rivulet erase`), which
// runs outside any worker, produces them through here.
import type { Kafka, Producer } from 'kafkajs';
import { RivuletKafkaError } from './errors.js';
import { HEADERS } from './headers.js';

/** One key to forget on one topic (named without the environment's prefix). */
export interface Tombstone {
  topic: string;
  key: string;
}

export interface SendTombstonesOptions {
  kafka: Kafka;
  tombstones: readonly Tombstone[];
  /** KAFKA_TOPIC_PREFIX, prepended to every topic. */
  topicPrefix?: string;
  /** Records per produce request (default 1000). */
  batchSize?: number;
  /** tenant id header (HEADERS.tenantId) on every tombstone, so an audit of the topic can tell whose they were. */
  tenantId?: string;
}

interface TombstoneBatch {
  tombstones: readonly Tombstone[];
  tenantId?: string | undefined;
}

const produce = async (producer: Producer, { tombstones, tenantId }: TombstoneBatch, topicPrefix: string, batchSize: number): Promise<number> => {
  const headers: Record<string, string> = tenantId === undefined ? {} : { [HEADERS.tenantId]: tenantId };
  for (let start = 0; start < tombstones.length; start += batchSize) {
    const byTopic = new Map<string, { key: string; value: null; headers: Record<string, string> }[]>();
    for (const { topic, key } of tombstones.slice(start, start + batchSize)) {
      const list = byTopic.get(topicPrefix + topic) ?? [];
      list.push({ key, value: null, headers });
      byTopic.set(topicPrefix + topic, list);
    }
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) }).catch((error: unknown) => {
      throw new RivuletKafkaError('produce_failed', `Kafka did not acknowledge ${start}..${start + batchSize} of ${tombstones.length} tombstone(s): ${(error as Error).message}`, { retriable: true, cause: error });
    });
  }
  return tombstones.length;
};

/** Produces the tombstones (idempotent, acks from all in-sync replicas) on a producer of their own; resolves with how many were acknowledged. */
export const sendTombstones = async ({ kafka, tombstones, topicPrefix = '', batchSize = 1000, tenantId }: SendTombstonesOptions): Promise<number> => {
  if (tombstones.length === 0) return 0;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await produce(producer, { tombstones, tenantId }, topicPrefix, batchSize);
  } finally {
    await producer.disconnect();
  }
};

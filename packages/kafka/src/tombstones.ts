// Tombstones: a record with a key and a null value, which tells a compacted topic to forget the
// key (after delete.retention.ms, consumers offline for less still see it). EventProducer only
// sends encoded events, so erasure and retention produce tombstones through here.
import type { Kafka } from 'kafkajs';
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

/** Produces the tombstones (idempotent, acks from all in-sync replicas); resolves with how many were acknowledged. */
export const sendTombstones = async ({ kafka, tombstones, topicPrefix = '', batchSize = 1000, tenantId }: SendTombstonesOptions): Promise<number> => {
  if (tombstones.length === 0) return 0;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const headers: Record<string, string> = tenantId === undefined ? {} : { [HEADERS.tenantId]: tenantId };
  await producer.connect();
  try {
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
  } finally {
    await producer.disconnect();
  }
};

// Tombstones: a record with a key and a null value, which tells a compacted topic to forget the
// key (after delete.retention.ms, consumers offline for less still see it). EventProducer only
// sends encoded events (a handler's outputs cannot be null), so erasure, and the chunking worker's
// stale chunk keys, produce tombstones through here.
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

/** What a TombstoneWriter sends: the tombstones, and the tenant id header of sendTombstones. */
export interface TombstoneBatch {
  tombstones: readonly Tombstone[];
  tenantId?: string;
}

/** A producer of tombstones kept for the life of a process (one connection, reused). */
export interface TombstoneWriter {
  /** Resolves once Kafka acknowledged every tombstone (acks from all in-sync replicas), with their count. */
  send(batch: TombstoneBatch): Promise<number>;
  /** Disconnects; lets the writer sit in a shutdown list. */
  stop(): Promise<void>;
}

export interface TombstoneWriterOptions {
  kafka: Kafka;
  /** KAFKA_TOPIC_PREFIX, prepended to every topic. */
  topicPrefix?: string;
  /** Records per produce request (default 1000). */
  batchSize?: number;
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

const tombstoneProducer = (kafka: Kafka): Producer => kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });

/**
 * A long-lived tombstone producer (idempotent, one request in flight, so the tombstones of one key
 * arrive in the order they were sent). Connects on first use; reconnects after stop().
 */
export const createTombstoneWriter = ({ kafka, topicPrefix = '', batchSize = 1000 }: TombstoneWriterOptions): TombstoneWriter => {
  const producer = tombstoneProducer(kafka);
  let connected: Promise<void> | undefined;
  return {
    send: async (batch) => {
      if (batch.tombstones.length === 0) return 0;
      connected ??= producer.connect().catch((error: unknown) => {
        connected = undefined;
        throw new RivuletKafkaError('produce_failed', `cannot connect the tombstone producer: ${(error as Error).message}`, { retriable: true, cause: error });
      });
      await connected;
      return produce(producer, batch, topicPrefix, batchSize);
    },
    stop: async () => {
      if (connected === undefined) return;
      connected = undefined;
      await producer.disconnect();
    },
  };
};

/** Produces the tombstones (idempotent, acks from all in-sync replicas) on a producer of their own; resolves with how many were acknowledged. */
export const sendTombstones = async ({ kafka, tombstones, topicPrefix = '', batchSize = 1000, tenantId }: SendTombstonesOptions): Promise<number> => {
  if (tombstones.length === 0) return 0;
  const producer = tombstoneProducer(kafka);
  await producer.connect();
  try {
    return await produce(producer, { tombstones, tenantId }, topicPrefix, batchSize);
  } finally {
    await producer.disconnect();
  }
};

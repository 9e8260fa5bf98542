// Committing chosen offsets for a consumer group that has no live members. kafkajs's
// admin.setOffsets does this too, but waits out a full idle fetch (5 s) per call; this joins the
// group as its only member, commits at once, and leaves.
import type { Kafka } from 'kafkajs';
import { settleWithin, withDeadline } from './deadline.js';
import { RivuletKafkaError } from './errors.js';

export interface GroupCommitOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** The next offset the group is to read, per partition. */
  partitions: readonly { partition: number; offset: number }[];
  /** Deadline of joining and committing. Default 15000 ms. */
  timeoutMs?: number;
}

/**
 * Joins `groupId` on `topic`, commits `partitions` and leaves. Fails with `group_active` when
 * another member is in the group (it is not the only member given the whole topic): a running
 * member would overwrite the commit with its own.
 */
export const commitGroupOffsets = async ({ kafka, groupId, topic, partitions, timeoutMs = 15_000 }: GroupCommitOptions): Promise<void> => {
  if (partitions.length === 0) return;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, retry: { retries: 2 } });
  let joinedAs: { isLeader: boolean; memberAssignment: Record<string, number[]> } | undefined;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => (joinedAs = payload));
  try {
    await withDeadline(`join ${groupId}`, timeoutMs, (async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      // Nothing is handled or resolved: the only commit is the one below.
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: () => Promise.resolve() });
      consumer.pause([{ topic }]);
    })());
    const assigned = new Set(joinedAs?.memberAssignment[topic] ?? []);
    if (joinedAs?.isLeader !== true || partitions.some(({ partition }) => !assigned.has(partition))) {
      throw new RivuletKafkaError('group_active', `Consumer group ${groupId} has another live member; nothing was committed`);
    }
    await withDeadline(`commit offsets of ${groupId}`, timeoutMs, consumer.commitOffsets(partitions.map(({ partition, offset }) => ({ topic, partition, offset: String(offset) }))));
  } finally {
    await settleWithin(timeoutMs, () => consumer.disconnect());
  }
};

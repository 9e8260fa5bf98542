// Moving a stopped consumer group's committed offsets (`rivulet replay`): back to the earliest
// retained record, or to the first record at or after a time, so the group reprocesses from there.
import type { Admin, Kafka } from 'kafkajs';
import { openClusterInspector, type ConsumerGroupInfo, type ConsumerGroupMember } from './cluster-inspector.js';
import { settleWithin, withDeadline } from './deadline.js';
import { commitGroupOffsets } from './group-commit.js';
import { RivuletKafkaError } from './errors.js';

/** Where the group is to read next: the earliest retained record, or the first at/after a time (ms since the epoch). */
export type ResetTarget = 'earliest' | { timestamp: number };

export interface PartitionReset {
  topic: string;
  partition: number;
  /** The group's committed offset before the reset; null when it never committed on the partition. */
  committed: number | null;
  /** The offset the group will read next after the reset. */
  target: number;
  /** The partition's end offset (high watermark) when planned. */
  end: number;
  /** Records the group will process from `target` up to `end`: `end - target`. */
  toProcess: number;
}

export interface GroupResetPlan {
  groupId: string;
  /** The broker's state of the group when planned (`Empty` for a stopped group). */
  state: string;
  /** Live members when planned; a plan with members is refused by `apply`. */
  members: ConsumerGroupMember[];
  partitions: PartitionReset[];
}

export interface OffsetResetter {
  /** Ids of the consumer groups the broker knows (including stopped ones with committed offsets). */
  groupIds(): Promise<string[]>;
  topicNames(): Promise<string[]>;
  /** State, members and committed offsets of one group. */
  describeGroup(groupId: string): Promise<ConsumerGroupInfo>;
  /** Every partition of `topics`, with the group's committed offset and the target for `target`. */
  plan(groupId: string, topics: readonly string[], target: ResetTarget): Promise<GroupResetPlan>;
  /**
   * Commits the plan's targets. Describes the group again first and refuses (a `group_active`
   * RivuletKafkaError naming the members) when it has live members: a running member would
   * overwrite the offsets with its own next commit.
   */
  apply(plan: GroupResetPlan): Promise<void>;
  close(): Promise<void>;
}

export interface OffsetResetterOptions {
  kafka: Kafka;
  /** Seed brokers, probed first so a broker that is down fails the open at once. */
  brokers?: readonly string[];
  /** Deadline of each read call. Default 3000 ms. */
  timeoutMs?: number;
  /** Deadline of committing the offsets of one topic (joining the group briefly). Default 15000 ms. */
  commitTimeoutMs?: number;
}

/** `member-1 (client rivulet-embedding, host /127.0.0.1)`, for messages that refuse. */
export const describeMembers = (members: readonly ConsumerGroupMember[]): string =>
  members.map(({ memberId, clientId, host }) => `${memberId} (client ${clientId}, host ${host})`).join('; ');

const targetsOf = async (admin: Admin, topic: string, target: ResetTarget): Promise<Map<number, { low: number; high: number; target: number }>> => {
  const offsets = await admin.fetchTopicOffsets(topic);
  const byTime = target === 'earliest' ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, target.timestamp);
  return new Map(offsets.map(({ partition, low, high }) => {
    // No record at or after the time: kafkajs answers the end offset, i.e. nothing to reprocess.
    const timed = byTime?.find((entry) => entry.partition === partition)?.offset;
    return [partition, { low: Number(low), high: Number(high), target: timed === undefined ? Number(low) : Math.max(Number(low), Number(timed)) }];
  }));
};

export const openOffsetResetter = async ({ kafka, brokers, timeoutMs = 3000, commitTimeoutMs = 15_000 }: OffsetResetterOptions): Promise<OffsetResetter> => {
  const inspector = await openClusterInspector({ kafka, brokers, timeoutMs });
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
  try {
    await withDeadline('connect', timeoutMs, admin.connect());
  } catch (error) {
    await settleWithin(timeoutMs, () => Promise.all([admin.disconnect(), inspector.close()]));
    throw error;
  }
  const describeGroup = async (groupId: string): Promise<ConsumerGroupInfo> => {
    const [group] = await inspector.describeGroups([groupId]);
    if (!group) throw new RivuletKafkaError('unknown_group', `The broker did not describe consumer group ${groupId}`);
    if (group.error !== undefined) throw new RivuletKafkaError('unknown_group', `Committed offsets of ${groupId}: ${group.error}`, { retriable: true });
    return group;
  };
  return {
    groupIds: () => inspector.groupIds(),
    topicNames: () => inspector.topicNames(),
    describeGroup,
    plan: async (groupId, topics, target) => {
      const group = await describeGroup(groupId);
      const partitions: PartitionReset[] = [];
      for (const topic of topics) {
        const offsets = await withDeadline(`offsets of ${topic}`, timeoutMs, targetsOf(admin, topic, target));
        for (const [partition, { high, target: next }] of [...offsets].sort(([left], [right]) => left - right)) {
          const committed = group.committed.find((entry) => entry.topic === topic && entry.partition === partition)?.offset ?? null;
          partitions.push({ topic, partition, committed, target: next, end: high, toProcess: Math.max(0, high - next) });
        }
      }
      return { groupId, state: group.state, members: group.members, partitions };
    },
    apply: async (plan) => {
      const { members } = await describeGroup(plan.groupId);
      if (members.length > 0) {
        throw new RivuletKafkaError('group_active', `Consumer group ${plan.groupId} has ${members.length} live member(s): ${describeMembers(members)}`);
      }
      for (const topic of new Set(plan.partitions.map((entry) => entry.topic))) {
        const partitions = plan.partitions.filter((entry) => entry.topic === topic).map(({ partition, target }) => ({ partition, offset: target }));
        await commitGroupOffsets({ kafka, groupId: plan.groupId, topic, partitions, timeoutMs: commitTimeoutMs });
      }
    },
    close: () => settleWithin(timeoutMs, () => Promise.all([admin.disconnect(), inspector.close()])),
  };
};

// Read-only views of the cluster for operators (`rivulet status`): topic offsets, and consumer
// groups with their members, assignments and committed offsets. Every call has a deadline, so a
// broker that stops answering fails that call instead of hanging the command.
import { connect } from 'node:net';
import { AssignerProtocol, type Admin, type Kafka } from 'kafkajs';
import { RivuletKafkaError } from './errors.js';

export interface PartitionOffsets {
  partition: number;
  /** The first offset still retained (log start). */
  start: number;
  /** The offset the next record will get (high watermark): records ever written to the partition. */
  end: number;
}

export interface TopicOffsets {
  topic: string;
  partitions: PartitionOffsets[];
}

export interface ConsumerGroupMember {
  memberId: string;
  clientId: string;
  /** The member's address as the broker saw it, e.g. `/127.0.0.1`. */
  host: string;
  /** Partitions assigned to the member, per topic; empty while the group rebalances. */
  assignment: { topic: string; partitions: number[] }[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** The next offset the group will read. */
  offset: number;
}

export interface ConsumerGroupInfo {
  groupId: string;
  /** The broker's view: `Stable`, `Empty` (no members), `PreparingRebalance`, `CompletingRebalance`, `Dead`. */
  state: string;
  members: ConsumerGroupMember[];
  /** Every partition the group has committed an offset on, whatever the topic. */
  committed: CommittedOffset[];
  /** Set when the committed offsets could not be read; `committed` is then empty. */
  error?: string;
}

export interface ClusterInspector {
  /** Names of the topics that exist. */
  topicNames(): Promise<string[]>;
  /** Start and end offsets of every partition of existing topics. */
  topicOffsets(topics: readonly string[]): Promise<TopicOffsets[]>;
  /** Ids of the consumer groups (protocol type `consumer`) the broker knows. */
  groupIds(): Promise<string[]>;
  /** State, members with their assignments, and committed offsets of each group. */
  describeGroups(groupIds: readonly string[]): Promise<ConsumerGroupInfo[]>;
  close(): Promise<void>;
}

export interface ClusterInspectorOptions {
  kafka: Kafka;
  /**
   * The client's seed brokers (`host:port`). When given, each is first sent one ApiVersions
   * request, and when none answers within `timeoutMs` the open fails: kafkajs would otherwise keep
   * retrying in the background (its client-level retries) and hold the process open.
   */
  brokers?: readonly string[];
  /** Deadline of each call to the broker (connect, list, describe, fetch). Default 3000 ms. */
  timeoutMs?: number;
  /** Groups whose offsets are fetched at once. Default 8. */
  concurrency?: number;
}

const withDeadline = async <Result>(what: string, timeoutMs: number, work: Promise<Result>): Promise<Result> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RivuletKafkaError('timeout', `${what}: no answer from Kafka within ${timeoutMs} ms`, { retriable: true })), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

const decodeAssignment = (buffer: Buffer): ConsumerGroupMember['assignment'] => {
  if (buffer.length === 0) return [];
  const decoded = AssignerProtocol.MemberAssignment.decode(buffer);
  return Object.entries(decoded?.assignment ?? {})
    .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((left, right) => left - right) }))
    .sort((left, right) => left.topic.localeCompare(right.topic));
};

const mapLimited = async <Item, Result>(items: readonly Item[], limit: number, work: (item: Item) => Promise<Result>): Promise<Result[]> => {
  const results: Result[] = new Array<Result>(items.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
};

const inspector = (admin: Admin, timeoutMs: number, concurrency: number): ClusterInspector => {
  const call = <Result>(what: string, work: () => Promise<Result>) => withDeadline(what, timeoutMs, work());
  const committedOffsets = async (groupId: string): Promise<CommittedOffset[]> => {
    // No topic list: the broker answers with every topic the group has committed on.
    const topics = await call(`committed offsets of ${groupId}`, () => admin.fetchOffsets({ groupId }));
    return topics.flatMap(({ topic, partitions }) =>
      partitions.filter(({ offset }) => Number(offset) >= 0).map(({ partition, offset }) => ({ topic, partition, offset: Number(offset) })));
  };
  return {
    topicNames: () => call('list topics', () => admin.listTopics()),
    topicOffsets: (topics) =>
      Promise.all(topics.map(async (topic) => {
        const partitions = await call(`offsets of ${topic}`, () => admin.fetchTopicOffsets(topic));
        return {
          topic,
          partitions: partitions
            .map(({ partition, low, high }) => ({ partition, start: Number(low), end: Number(high) }))
            .sort((left, right) => left.partition - right.partition),
        };
      })),
    groupIds: async () => {
      const { groups } = await call('list consumer groups', () => admin.listGroups());
      return groups.filter(({ protocolType }) => protocolType === 'consumer').map(({ groupId }) => groupId).sort();
    },
    describeGroups: async (groupIds) => {
      if (groupIds.length === 0) return [];
      const { groups } = await call('describe consumer groups', () => admin.describeGroups([...groupIds]));
      return mapLimited(groups, concurrency, async (group): Promise<ConsumerGroupInfo> => {
        const members = group.members.map((member) => ({
          memberId: member.memberId, clientId: member.clientId, host: member.clientHost, assignment: decodeAssignment(member.memberAssignment),
        }));
        try {
          return { groupId: group.groupId, state: group.state, members, committed: await committedOffsets(group.groupId) };
        } catch (error) {
          return { groupId: group.groupId, state: group.state, members, committed: [], error: (error as Error).message };
        }
      });
    },
    close: () => admin.disconnect(),
  };
};

// An ApiVersions request (v0), the first thing any client sends. A broker that answers it is
// alive; one that only accepts the TCP connection (stopped, paused, overloaded) is not.
const apiVersionsRequest = (): Buffer => {
  const clientId = Buffer.from('rivulet-inspector');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  let offset = body.writeInt16BE(18, 0); // api key: ApiVersions
  offset = body.writeInt16BE(0, offset); // version 0 (an unsupported version is answered in v0 too)
  offset = body.writeInt32BE(0x52495654, offset); // correlation id
  offset = body.writeInt16BE(clientId.length, offset);
  clientId.copy(body, offset);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
};

const answersKafka = (broker: string, timeoutMs: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const separator = broker.lastIndexOf(':');
    const host = broker.slice(0, separator).replace(/^\[|\]$/g, '');
    let received = Buffer.alloc(0);
    const socket = connect({ host, port: Number(broker.slice(separator + 1)) }, () => socket.write(apiVersionsRequest()));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 8 && received.length >= 4 + received.readInt32BE(0)) {
        socket.destroy();
        if (received.readInt32BE(4) === 0x52495654) resolve();
        else reject(new Error(`${broker}: not a Kafka answer to ApiVersions`));
      }
    });
    socket.once('error', (error) => reject(new Error(`${broker}: ${error.message}`)));
    socket.once('close', () => reject(new Error(`${broker}: connection closed before an answer`)));
  });

const anyBrokerAnswers = async (brokers: readonly string[], timeoutMs: number): Promise<void> => {
  try {
    await Promise.any(brokers.map((broker) => answersKafka(broker, timeoutMs)));
  } catch (error) {
    const reasons = (error as AggregateError).errors.map((reason) => (reason as Error).message).join('; ');
    throw new RivuletKafkaError('unreachable', `no broker answered: ${reasons}`, { retriable: true, cause: error });
  }
};

/**
 * Connects an admin client for read-only inspection; `close()` it when done. Its retries are few
 * and short: an operator's command should report a broker that is down, not wait it out. (The
 * client's own connection retries are fixed when it is created; hence the `brokers` check.)
 */
export const openClusterInspector = async ({ kafka, brokers, timeoutMs = 3000, concurrency = 8 }: ClusterInspectorOptions): Promise<ClusterInspector> => {
  if (brokers !== undefined && brokers.length > 0) await anyBrokerAnswers(brokers, timeoutMs);
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
  try {
    await withDeadline('connect', timeoutMs, admin.connect());
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw error;
  }
  return inspector(admin, timeoutMs, concurrency);
};

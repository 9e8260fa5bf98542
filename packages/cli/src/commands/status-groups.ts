// Consumer groups as `rivulet status` shows them: named after their worker, with lag per partition.
import type { ConsumerGroupInfo, TopicOffsets } from '@rivulet/kafka';
import { EMBEDDING_GROUP, EMBEDDING_QUERIES_GROUP } from '@rivulet/worker-embedding';
import { GENERATION_GROUP } from '@rivulet/worker-generation';
import { INDEXER_GROUP } from '@rivulet/worker-indexer';
import { INGESTION_GROUP } from '@rivulet/worker-ingestion';
import { PERSISTENCE_GROUP, USAGE_GROUP } from '@rivulet/worker-persistence';
import { RETRIEVAL_GROUP } from '@rivulet/worker-retrieval';
import { statusGroupId } from '@rivulet/ws-ingress';
import type { GroupStatus, PartitionLag, WorkerSummary } from './status-report.js';

/** Workers in pipeline order; groups of no known worker come last as `other`. */
export const WORKER_ORDER = ['ingress', 'ingestion', 'embedding', 'indexer', 'retrieval', 'generation', 'persistence', 'other'];

const WORKER_OF_GROUP: Record<string, string> = {
  [INGESTION_GROUP]: 'ingestion',
  [EMBEDDING_GROUP]: 'embedding',
  [EMBEDDING_QUERIES_GROUP]: 'embedding',
  [INDEXER_GROUP]: 'indexer',
  [RETRIEVAL_GROUP]: 'retrieval',
  [GENERATION_GROUP]: 'generation',
  [PERSISTENCE_GROUP]: 'persistence',
  [USAGE_GROUP]: 'persistence',
};

// Each ingress instance reads in groups of its own: `<role>-<instance id>`. The replies group's
// name (producers/ws-ingress/src/chat/reply-feed.ts) is not exported, hence spelled out here.
const INGRESS_ROLES = [statusGroupId('').replace(/-$/, ''), 'rivulet-ingress-replies'];

const classify = (name: string): Pick<GroupStatus, 'worker' | 'role' | 'instanceId'> => {
  const worker = WORKER_OF_GROUP[name];
  if (worker !== undefined) return { worker, role: name, instanceId: null };
  const role = INGRESS_ROLES.find((candidate) => name.startsWith(`${candidate}-`));
  if (role !== undefined) return { worker: 'ingress', role, instanceId: name.slice(role.length + 1) };
  return { worker: 'other', role: name, instanceId: null };
};

/**
 * The groups that read this prefix's Rivulet topics, with lag against `endOffsets`. A group
 * counts when it committed on one of `topics`, a member is assigned one, or its offsets are unreadable.
 */
export const groupStatuses = (groups: readonly ConsumerGroupInfo[], { prefix, topics, endOffsets }: {
  prefix: string;
  topics: ReadonlySet<string>;
  endOffsets: readonly TopicOffsets[];
}): GroupStatus[] => {
  const ends = new Map(endOffsets.map(({ topic, partitions }) => [topic, new Map(partitions.map(({ partition, end }) => [partition, end]))]));
  const statuses = groups.flatMap((group): GroupStatus[] => {
    const committed = group.committed.filter(({ topic }) => topics.has(topic));
    const owners = new Map<string, string>();
    for (const member of group.members) {
      for (const { topic, partitions } of member.assignment) for (const partition of partitions) owners.set(`${topic}/${partition}`, member.memberId);
    }
    const read = new Set([...committed.map(({ topic }) => topic), ...group.members.flatMap(({ assignment }) => assignment.map(({ topic }) => topic))]);
    const readTopics = [...read].filter((topic) => topics.has(topic)).sort();
    // A group whose offsets could not be read is shown with its error rather than left out.
    if (readTopics.length === 0 && group.error === undefined) return [];
    const partitions = readTopics.flatMap((topic): PartitionLag[] => {
      const offsets = committed.filter((entry) => entry.topic === topic);
      const topicEnds = ends.get(topic);
      const numbers = new Set([...(topicEnds?.keys() ?? []), ...offsets.map(({ partition }) => partition)]);
      return [...numbers].sort((left, right) => left - right).map((partition) => {
        const committedOffset = offsets.find((entry) => entry.partition === partition)?.offset ?? null;
        const endOffset = topicEnds?.get(partition) ?? null;
        const lag = committedOffset === null || endOffset === null ? null : Math.max(0, endOffset - committedOffset);
        return { topic, partition, committedOffset, endOffset, lag, memberId: owners.get(`${topic}/${partition}`) ?? null };
      });
    });
    const identity = classify(group.groupId.slice(prefix.length));
    return [{
      groupId: group.groupId,
      ...identity,
      stale: identity.instanceId !== null && group.members.length === 0,
      state: group.state,
      members: group.members.map(({ memberId, clientId, host, assignment }) => ({ memberId, clientId, host, assignment: assignment.filter(({ topic }) => topics.has(topic)) })),
      partitions,
      totalLag: partitions.reduce((sum, { lag }) => sum + (lag ?? 0), 0),
      error: group.error ?? null,
    }];
  });
  const rank = (status: GroupStatus) => WORKER_ORDER.indexOf(status.worker);
  return statuses.sort((left, right) => rank(left) - rank(right) || Number(left.stale) - Number(right.stale) || left.groupId.localeCompare(right.groupId));
};

/** Per worker: its processes and its lag. */
export const workerSummaries = (groups: readonly GroupStatus[]): WorkerSummary[] =>
  WORKER_ORDER.flatMap((worker): WorkerSummary[] => {
    const own = groups.filter((group) => group.worker === worker);
    if (own.length === 0) return [];
    const instances = worker === 'ingress'
      ? new Set(own.filter(({ members }) => members.length > 0).map(({ instanceId }) => instanceId)).size
      : Math.max(...own.map(({ members }) => members.length));
    const live = own.filter(({ stale }) => !stale);
    return [{ worker, instances, groupIds: own.map(({ groupId }) => groupId), totalLag: live.reduce((sum, { totalLag }) => sum + totalLag, 0) }];
  });

// A partition assigner that hands every member of the group the same fixed partitions.
// Used by consumers that must read exactly their own partitions, such as an ingress reading
// the replies partition it routes answers to (decision 0007), in a group of its own.
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

const NAME = 'RivuletFixedPartitions';

export const fixedPartitionAssigner = (partitions: readonly number[]): PartitionAssigner => () => ({
  name: NAME,
  version: 1,
  assign: ({ members, topics }) => Promise.resolve(members.map(({ memberId }) => ({
    memberId,
    memberAssignment: AssignerProtocol.MemberAssignment.encode({
      version: 1,
      assignment: Object.fromEntries(topics.map((topic) => [topic, [...partitions]])),
      userData: Buffer.alloc(0),
    }),
  }))),
  protocol: ({ topics }) => ({ name: NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) }),
});

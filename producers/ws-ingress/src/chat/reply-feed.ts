// The consumer behind chat answers: this instance's replies partition, in a group of its own.
import { TOPICS, type ReplyDelta, type ReplyEnd } from '@rivulet/schemas';
import { createFeed, type Feed, type FeedConnection } from '../feeds/kafka-feed.js';
import type { DeliveryOutcome, ReplyRouter } from './reply-router.js';

export interface ReplyFeedOptions extends FeedConnection {
  router: ReplyRouter;
  instanceId: string;
  /** The replies partition this instance leased (reply-partition.ts). */
  partition: number;
  onDelivery?: (outcome: DeliveryOutcome, event: ReplyDelta | ReplyEnd) => void;
}

/** `isJoined()`: true once the partition is assigned, so replies published from then on arrive. */
export type ReplyFeed = Feed;

export const replyGroupId = (instanceId: string): string => `rivulet-ingress-replies-${instanceId}`;

/** Only the leased partition, from the latest offset: replies from before belong to sockets that closed. */
export const createReplyFeed = ({ router, instanceId, partition, onDelivery, ...connection }: ReplyFeedOptions): ReplyFeed =>
  createFeed(connection, {
    groupId: replyGroupId(instanceId),
    topic: TOPICS.replies,
    eventTypes: ['reply-delta', 'reply-end'],
    partitions: [partition],
    joinedWith: (assigned) => assigned.includes(partition),
    deliver: (reply) => onDelivery?.(router.deliver(reply), reply),
  });

// The consumer behind status pushes: every document-indexed event, in a group per instance.
import { TOPICS, type DocumentIndexed } from '@rivulet/schemas';
import { createFeed, type Feed, type FeedConnection } from '../feeds/kafka-feed.js';
import type { DeliveryOutcome, StatusRouter } from './status-router.js';

export interface StatusFeedOptions extends FeedConnection {
  router: StatusRouter;
  /** INGRESS_INSTANCE_ID: the group is `rivulet-ingress-status-<instanceId>`. */
  instanceId: string;
  onDelivery?: (outcome: DeliveryOutcome) => void;
}

/** `isJoined()`: true once the group gave this member its partitions, so statuses published from then on arrive. */
export type StatusFeed = Feed;

export const statusGroupId = (instanceId: string): string => `rivulet-ingress-status-${instanceId}`;

/**
 * Each instance needs every status (the socket may be on any instance), so each reads in its own
 * group, from the latest offset: a status published while no instance was up is for sockets that
 * are gone anyway.
 */
export const createStatusFeed = ({ router, instanceId, onDelivery, ...connection }: StatusFeedOptions): StatusFeed =>
  createFeed(connection, {
    groupId: statusGroupId(instanceId),
    topic: TOPICS.documentsIndexed,
    joinedWith: (assigned) => assigned.length > 0,
    deliver: (event, eventType) => {
      if (eventType !== 'document-indexed') return;
      for (const outcome of router.deliver(event as DocumentIndexed)) onDelivery?.(outcome);
    },
  });

// The ingress's push feeds: chat replies on the replies partition this instance leased, document
// statuses in a group of its own, each with the router that hands events to their sockets.
import type { Redis } from 'ioredis';
import { topicPartitionCount } from '@rivulet/kafka';
import { TOPICS } from '@rivulet/schemas';
import type { ReadinessCheck, Service } from '@rivulet/service';
import { createReplyFeed, type ReplyFeed } from '../chat/reply-feed.js';
import { leaseReplyPartition, type ReplyPartitionLease } from '../chat/reply-partition.js';
import { ReplyRouter } from '../chat/reply-router.js';
import type { IngressConfig } from '../config.js';
import { createStatusFeed, type StatusFeed } from '../status/status-feed.js';
import { StatusRouter } from '../status/status-router.js';

export interface IngressFeeds {
  replies: ReplyRouter;
  statuses: StatusRouter;
  lease: ReplyPartitionLease;
  replyFeed: ReplyFeed;
  statusFeed: StatusFeed;
}

/** The broker's partition count, not the declared one: operators grow it with KAFKA_TOPIC_PARTITIONS (docs/operations.md, Scaling). */
const leasePartition = async (service: Service, config: IngressConfig, redis: Redis): Promise<ReplyPartitionLease> => {
  const { logger } = service;
  const partitions = await topicPartitionCount(service.kafka, config.KAFKA_TOPIC_PREFIX + TOPICS.replies);
  const lease = await leaseReplyPartition({
    redis, instanceId: config.INGRESS_INSTANCE_ID, partitions, prefix: config.KAFKA_TOPIC_PREFIX,
    onLost: (partition) => logger.warn({ partition }, 'lost the lease on the replies partition; another instance may share it'),
  });
  service.onStop({ stop: () => lease.release() });
  if (!lease.exclusive) logger.warn({ partition: lease.partition, partitions }, 'every replies partition is held by another ingress; sharing one (add partitions to rivulet.chat.replies to scale further)');
  return lease;
};

const connection = (service: Service, component: string) => ({
  kafka: service.kafka, codec: service.codec, producer: service.producer, instrumentation: service.instrumentation, tracer: service.tracer,
  logger: service.logger.child({ component }),
});

/** Leases a replies partition and starts both feeds; each stops with the service. */
export const startFeeds = async (service: Service, config: IngressConfig, redis: Redis): Promise<IngressFeeds> => {
  const { logger } = service;
  const lease = await leasePartition(service, config, redis);
  const replies = new ReplyRouter();
  const replyFeed = createReplyFeed({
    ...connection(service, 'reply-feed'), router: replies, instanceId: config.INGRESS_INSTANCE_ID, partition: lease.partition,
    onDelivery: (outcome, event) => {
      if (outcome === 'gap') logger.warn({ requestId: event.payload.requestId }, 'reply delta out of sequence; dropped');
    },
  });
  service.onStop(replyFeed);
  await replyFeed.start();
  const statuses = new StatusRouter();
  const statusFeed = createStatusFeed({
    ...connection(service, 'status-feed'), router: statuses, instanceId: config.INGRESS_INSTANCE_ID,
    onDelivery: (outcome) => {
      if (outcome === 'unknown_status') logger.warn('document-indexed with an unknown status; ignored');
    },
  });
  service.onStop(statusFeed);
  await statusFeed.start();
  return { replies, statuses, lease, replyFeed, statusFeed };
};

/** The feeds' readiness: each must own what it reads, or pushes published now would be missed. */
export const feedChecks = ({ replyFeed, statusFeed, lease }: IngressFeeds): Record<string, ReadinessCheck> => ({
  statusFeed: () => (statusFeed.isJoined() ? Promise.resolve() : Promise.reject(new Error('not yet assigned the documents-indexed partitions'))),
  replyFeed: () => (replyFeed.isJoined() ? Promise.resolve() : Promise.reject(new Error(`not yet assigned replies partition ${lease.partition}`))),
});

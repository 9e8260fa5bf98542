// The consumer behind chat answers: this instance's replies partition, in a group of its own.
import { Worker, type EventCodec, type EventProducer, type Kafka, type MessageTracer, type PipelineInstrumentation, type RuntimeLogger } from '@rivulet/kafka';
import { TOPICS, type EventRecords, type ReplyDelta, type ReplyEnd } from '@rivulet/schemas';
import type { DeliveryOutcome, ReplyRouter } from './reply-router.js';

export interface ReplyFeedOptions {
  kafka: Kafka;
  codec: EventCodec<EventRecords>;
  producer: EventProducer<EventRecords>;
  router: ReplyRouter;
  instanceId: string;
  /** The replies partition this instance leased (reply-partition.ts). */
  partition: number;
  instrumentation: PipelineInstrumentation;
  logger: RuntimeLogger;
  /** A consumer span per reply (the last hop of a chat trace), child of the worker span that published it (Service.tracer); absent when tracing is off. */
  tracer?: MessageTracer | undefined;
  onDelivery?: (outcome: DeliveryOutcome, event: ReplyDelta | ReplyEnd) => void;
}

export interface ReplyFeed {
  readonly groupId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once the partition is assigned: replies published from then on arrive. */
  isJoined(): boolean;
}

export const replyGroupId = (instanceId: string): string => `rivulet-ingress-replies-${instanceId}`;

/**
 * Reads from the latest offset: replies published while this instance was down belong to
 * sockets that closed with it. The handler looks up a map and queues frames; it never blocks.
 */
export const createReplyFeed = ({ kafka, codec, producer, router, instanceId, partition, instrumentation, logger, onDelivery, tracer }: ReplyFeedOptions): ReplyFeed => {
  const groupId = replyGroupId(instanceId);
  let joined = false;
  const worker = new Worker<EventRecords>({
    kafka, codec, producer, groupId,
    topics: [TOPICS.replies],
    eventTypes: ['reply-delta', 'reply-end'],
    partitions: [partition],
    deadLetterTopic: TOPICS.deadLetter,
    fromBeginning: false,
    maxAttempts: 1,
    shutdownTimeoutMs: 5_000,
    logger,
    tracer,
    instrumentation: {
      ...instrumentation,
      rebalance: (event) => {
        if (event.group === producer.topicPrefix + groupId) joined = event.assigned.some(({ partitions }) => partitions.includes(partition));
        instrumentation.rebalance(event);
      },
    },
    handler: (event) => {
      const reply = event as ReplyDelta | ReplyEnd;
      onDelivery?.(router.deliver(reply), reply);
      return Promise.resolve();
    },
  });
  return { groupId, start: () => worker.start(), stop: () => worker.stop(), isJoined: () => joined };
};

// The consumer behind status pushes: every document-indexed event, in a group per instance.
import { Worker, type EventCodec, type EventProducer, type Kafka, type MessageTracer, type PipelineInstrumentation, type RuntimeLogger } from '@rivulet/kafka';
import { TOPICS, type DocumentIndexed, type EventRecords } from '@rivulet/schemas';
import type { DeliveryOutcome, StatusRouter } from './status-router.js';

export interface StatusFeedOptions {
  kafka: Kafka;
  codec: EventCodec<EventRecords>;
  producer: EventProducer<EventRecords>;
  router: StatusRouter;
  /** INGRESS_INSTANCE_ID: the group is `rivulet-ingress-status-<instanceId>`. */
  instanceId: string;
  instrumentation: PipelineInstrumentation;
  logger: RuntimeLogger;
  /** A consumer span per status event, child of the worker span that published it (Service.tracer); absent when tracing is off. */
  tracer?: MessageTracer | undefined;
  onDelivery?: (outcome: DeliveryOutcome) => void;
}

export interface StatusFeed {
  readonly groupId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once the group gave this member its partitions: statuses published from then on arrive. */
  isJoined(): boolean;
}

export const statusGroupId = (instanceId: string): string => `rivulet-ingress-status-${instanceId}`;

/**
 * Each instance needs every status (the socket may be on any instance), so each reads in its own
 * group, from the latest offset: a status published while no instance was up is for sockets that
 * are gone anyway. The handler only looks up a map and queues frames, so it never blocks the feed.
 */
export const createStatusFeed = ({ kafka, codec, producer, router, instanceId, instrumentation, logger, onDelivery, tracer }: StatusFeedOptions): StatusFeed => {
  const groupId = statusGroupId(instanceId);
  let joined = false;
  const worker = new Worker<EventRecords>({
    kafka, codec, producer, groupId,
    topics: [TOPICS.documentsIndexed],
    deadLetterTopic: TOPICS.deadLetter,
    fromBeginning: false,
    maxAttempts: 1,
    shutdownTimeoutMs: 5_000,
    logger,
    tracer,
    instrumentation: {
      ...instrumentation,
      rebalance: (event) => {
        // The worker's group carries the producer's topic prefix (KAFKA_TOPIC_PREFIX).
        if (event.group === producer.topicPrefix + groupId) joined = event.assigned.some(({ partitions }) => partitions.length > 0);
        instrumentation.rebalance(event);
      },
    },
    handler: (event, context) => {
      if (context.eventType === 'document-indexed') {
        for (const outcome of router.deliver(event as DocumentIndexed)) onDelivery?.(outcome);
      }
      return Promise.resolve();
    },
  });
  return {
    groupId,
    start: () => worker.start(),
    stop: () => worker.stop(),
    isJoined: () => joined,
  };
};

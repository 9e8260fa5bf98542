// One shape for the ingress's push feeds (chat replies, document statuses): a consumer in a group
// of this instance's own, read from the latest offset, whose handler only hands events to a router.
import { Worker, type EventCodec, type EventProducer, type Kafka, type MessageTracer, type PipelineInstrumentation, type RuntimeLogger } from '@rivulet/kafka';
import { TOPICS, type EventRecords, type EventType } from '@rivulet/schemas';

/** What every feed is built on: the service's client, codec, producer, metrics, logger and tracer. */
export interface FeedConnection {
  kafka: Kafka;
  codec: EventCodec<EventRecords>;
  producer: EventProducer<EventRecords>;
  instrumentation: PipelineInstrumentation;
  logger: RuntimeLogger;
  /** A consumer span per event, child of the worker span that published it (Service.tracer); absent when tracing is off. */
  tracer?: MessageTracer | undefined;
}

/** What a feed reads and what it does with each event; everything else is the same for all feeds. */
export interface FeedDefinition<In extends EventType> {
  groupId: string;
  topic: string;
  eventTypes?: readonly In[];
  /** Only these partitions of `topic` (assigned, not subscribed); default all, shared by the group. */
  partitions?: readonly number[];
  /** Whether the partitions assigned to this member of the group mean the feed is receiving. */
  joinedWith: (assigned: readonly number[]) => boolean;
  /** Looks up a map and queues frames: it never blocks the feed. */
  deliver: (event: EventRecords[In], eventType: In) => void;
}

export interface Feed {
  readonly groupId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once the group assigned this member what the feed reads: events published from then on arrive. */
  isJoined(): boolean;
}

/**
 * Reads from the latest offset: what was published while this instance was down belongs to
 * sockets that closed with it. One attempt per event, dead letters on the usual topic.
 */
export const createFeed = <In extends EventType>(
  { kafka, codec, producer, instrumentation, logger, tracer }: FeedConnection,
  { groupId, topic, eventTypes, partitions, joinedWith, deliver }: FeedDefinition<In>,
): Feed => {
  let joined = false;
  const worker = new Worker<EventRecords, In>({
    kafka, codec, producer, groupId,
    topics: [topic],
    ...(eventTypes ? { eventTypes } : {}),
    ...(partitions ? { partitions } : {}),
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
        if (event.group === producer.topicPrefix + groupId) joined = joinedWith(event.assigned.flatMap((assignment) => assignment.partitions));
        instrumentation.rebalance(event);
      },
    },
    handler: (event, context) => {
      deliver(event, context.eventType);
      return Promise.resolve();
    },
  });
  return { groupId, start: () => worker.start(), stop: () => worker.stop(), isJoined: () => joined };
};

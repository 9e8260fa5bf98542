import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { EventMap } from './catalog.js';
import type { EventCodec } from './codec.js';
import { fixedPartitionAssigner } from './fixed-assigner.js';
import type { Handler } from './handler.js';
import { noInstrumentation, type PipelineInstrumentation } from './instrumentation.js';
import { silentLogger, type RuntimeLogger } from './logger.js';
import { MessageProcessor } from './message-processor.js';
import { OffsetTracker, Semaphore } from './offset-tracker.js';
import type { EventProducer } from './producer.js';

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export interface WorkerOptions<Events extends EventMap, In extends keyof Events & string = keyof Events & string> {
  kafka: Kafka;
  codec: EventCodec<Events>;
  /** Publishes the handler's outputs and the dead letters. */
  producer: EventProducer<Events>;
  groupId: string;
  topics: string[];
  /**
   * The event types the handler takes. Records of other types on the subscribed topics are
   * acknowledged without calling it (a topic may carry several types). Default: all.
   */
  eventTypes?: readonly In[];
  handler: Handler<Events, In, keyof Events & string>;
  deadLetterTopic: string;
  /** A new group starts from the earliest retained event (nothing already accepted is skipped). */
  fromBeginning?: boolean;
  /** Handlers running at once in one partition; events with the same key still run one after another. */
  maxInFlightPerPartition?: number;
  /** Partitions processed at once by this process. */
  partitionsConsumedConcurrently?: number;
  maxAttempts?: number;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  shutdownTimeoutMs?: number;
  instrumentation?: PipelineInstrumentation;
  logger?: RuntimeLogger;
  /**
   * Read only these partitions of every subscribed topic instead of sharing them out across
   * the group. For a group of one member that must read its own partitions (reply routing).
   */
  partitions?: readonly number[];
}

/**
 * The consumer runtime every worker runs on. At-least-once: an offset is committed only
 * after its handler's outputs (or its dead letter) are acknowledged by Kafka, in offset
 * order per partition. Long handlers keep group membership through periodic heartbeats.
 */
export class Worker<Events extends EventMap = EventMap, In extends keyof Events & string = keyof Events & string> {
  private readonly consumer: Consumer;
  private readonly processor: MessageProcessor<Events>;
  private readonly stopController = new AbortController();
  private readonly options: Required<Omit<WorkerOptions<Events, In>, 'instrumentation' | 'logger' | 'eventTypes' | 'partitions'>> & { instrumentation: PipelineInstrumentation; logger: RuntimeLogger; eventTypes?: readonly In[]; partitions?: readonly number[] };
  private stopping: Promise<void> | undefined;

  constructor(options: WorkerOptions<Events, In>) {
    this.options = {
      fromBeginning: true, maxInFlightPerPartition: 16, partitionsConsumedConcurrently: 6, maxAttempts: 5,
      retryInitialDelayMs: 200, retryMaxDelayMs: 10_000, sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000,
      shutdownTimeoutMs: 30_000, instrumentation: noInstrumentation, logger: silentLogger,
      ...options,
    };
    // The producer's topic prefix (KAFKA_TOPIC_PREFIX) names this environment's topics and groups;
    // outputs and dead letters get it from the producer itself.
    const prefix = this.options.producer.topicPrefix;
    this.options.groupId = prefix + this.options.groupId;
    this.options.topics = this.options.topics.map((topic) => prefix + topic);
    const { kafka, groupId, sessionTimeoutMs, heartbeatIntervalMs, logger, instrumentation } = this.options;
    this.consumer = kafka.consumer({
      groupId, sessionTimeout: sessionTimeoutMs, heartbeatInterval: heartbeatIntervalMs,
      allowAutoTopicCreation: false, retry: { retries: 10 },
      ...(this.options.partitions === undefined ? {} : { partitionAssigners: [fixedPartitionAssigner(this.options.partitions)] }),
    });
    this.processor = new MessageProcessor<Events>({ ...this.options, handler: this.options.handler as Handler<Events>, group: groupId, logger: logger.child({ group: groupId }), instrumentation });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({ topic, partitions }));
      logger.info({ group: groupId, memberId: payload.memberId, assigned }, 'partitions assigned');
      instrumentation.rebalance({ group: groupId, memberId: payload.memberId, assigned });
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      logger.error({ group: groupId, error: payload.error.message, restart: payload.restart }, 'consumer crashed');
    });
  }

  /** Joins the group and starts consuming; resolves once running. */
  async start(): Promise<void> {
    const { topics, fromBeginning, partitionsConsumedConcurrently } = this.options;
    await this.options.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning });
    await this.consumer.run({
      autoCommit: true, autoCommitInterval: 1000, eachBatchAutoResolve: false, partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Stops taking new events, lets in-flight ones finish (bounded), commits, leaves the group. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const deadline = setTimeout(() => this.stopController.abort(), this.options.shutdownTimeoutMs);
      this.draining = true;
      try {
        await this.consumer.disconnect();
      } finally {
        clearTimeout(deadline);
        this.stopController.abort();
      }
    })();
    return this.stopping;
  }

  private draining = false;

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const { groupId, instrumentation, heartbeatIntervalMs, maxInFlightPerPartition } = this.options;
    instrumentation.consumerLag({ group: groupId, topic, partition, lag: Number(batch.offsetLag()) });
    instrumentation.batchProcessed({ group: groupId, topic, partition, size: batch.messages.length });

    const tracker = new OffsetTracker(batch.messages.map((message) => message.offset));
    const permits = new Semaphore(maxInFlightPerPartition);
    const lanes = new Map<string, Promise<void>>();
    const running: Promise<void>[] = [];
    let interrupted: Error | undefined;
    const keepAlive = setInterval(() => {
      payload.heartbeat().catch((error: unknown) => (interrupted ??= asError(error)));
    }, Math.max(100, Math.floor(heartbeatIntervalMs / 2)));

    const finished = (offset: string, result: 'done' | 'abandoned'): void => {
      permits.release();
      if (result !== 'done') return;
      const committable = tracker.complete(offset);
      if (committable === undefined) return;
      payload.resolveOffset(committable);
      payload.commitOffsetsIfNecessary().catch((error: unknown) => (interrupted ??= asError(error)));
    };

    try {
      for (const message of batch.messages) {
        if (this.draining || interrupted !== undefined || !payload.isRunning() || payload.isStale()) break;
        await permits.acquire();
        // Same key: strictly one after another. No key: no ordering promise, own lane.
        const lane = message.key ? message.key.toString('base64') : `offset:${message.offset}`;
        const previous = lanes.get(lane) ?? Promise.resolve();
        const run = previous.then(async () => {
          const result = await this.processor.process(topic, partition, message, this.stopController.signal);
          finished(message.offset, result);
        });
        lanes.set(lane, run);
        running.push(run);
        void run.finally(() => {
          if (lanes.get(lane) === run) lanes.delete(lane);
        });
      }
      await Promise.all(running);
    } finally {
      clearInterval(keepAlive);
    }
    // A rebalance or commit failure: hand the partition back; kafkajs rejoins the group.
    if (interrupted !== undefined) throw interrupted;
  }
}

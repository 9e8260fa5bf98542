import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { EventMap } from './catalog.js';
import type { EventCodec } from './codec.js';
import { fixedPartitionAssigner } from './fixed-assigner.js';
import type { AnyHandlerOutputType, Handler } from './handler.js';
import { noInstrumentation, type PipelineInstrumentation } from './instrumentation.js';
import { silentLogger, type RuntimeLogger } from './logger.js';
import { MessageProcessor } from './message-processor.js';
import { OffsetTracker, Semaphore } from './offset-tracker.js';
import type { EventProducer } from './producer.js';
import type { MessageTracer } from './tracing.js';

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
  /** List `'tombstone'` among its output types to return tombstones beside events. */
  handler: Handler<Events, In, AnyHandlerOutputType<Events>>;
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
   * A consumer span per handled event, child of the record's traceparent; outputs carry the span's.
   * Absent (tracing off): outputs carry a new span id of the same trace, as always, and nothing more.
   */
  tracer?: MessageTracer | undefined;
  /**
   * Read only these partitions of every subscribed topic instead of sharing them out across
   * the group. For a group of one member that must read its own partitions (reply routing).
   */
  partitions?: readonly number[];
  /**
   * Pass tombstones on: a tombstone (null value, with a key) read from the subscribed topics is
   * produced with the same key on this topic (named without KAFKA_TOPIC_PREFIX, like a handler's
   * outputs) and acknowledged by Kafka before the input is. It goes through the key's lane, so it
   * lands after the outputs of every earlier event of that key in the partition. For a worker that
   * maps one compacted topic onto another key for key (chunks -> chunks-embedded): a key removed
   * on the input ends removed on the output. Default: a tombstone is acknowledged and nothing more.
   */
  forwardTombstonesTo?: string;
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
  private readonly options: Required<Omit<WorkerOptions<Events, In>, 'instrumentation' | 'logger' | 'eventTypes' | 'partitions' | 'tracer' | 'forwardTombstonesTo'>> & { instrumentation: PipelineInstrumentation; logger: RuntimeLogger; eventTypes?: readonly In[]; partitions?: readonly number[]; tracer?: MessageTracer | undefined; forwardTombstonesTo?: string };
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
      // The broker answers a fetch as soon as records arrive; the wait only bounds an idle poll,
      // which is also when kafkajs heartbeats, so keep it under the heartbeat interval.
      maxWaitTimeInMs: Math.min(1000, heartbeatIntervalMs),
      ...(this.options.partitions === undefined ? {} : { partitionAssigners: [fixedPartitionAssigner(this.options.partitions)] }),
    });
    this.processor = new MessageProcessor<Events>({ ...this.options, handler: this.options.handler as Handler<Events, keyof Events & string, AnyHandlerOutputType<Events>>, group: groupId, logger: logger.child({ group: groupId }), instrumentation });
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      // Commit what is finished before the partitions move, so the next owner repeats less.
      void this.commitNow();
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({ topic, partitions }));
      this.reassigned(assigned);
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
    // Offsets are committed by this worker (commitSoon), never by kafkajs: kafkajs's fetch
    // position moves on as events are handed out, but a commit covers only finished events.
    await this.consumer.run({
      autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Stops taking new events, lets in-flight ones finish (bounded), commits, leaves the group. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.draining = true;
      const deadline = setTimeout(() => this.stopController.abort(), this.options.shutdownTimeoutMs);
      try {
        for (const work of this.work.values()) this.consumer.pause([{ topic: work.topic, partitions: [work.partition] }]);
        await Promise.allSettled([...this.running]);
        await this.commitNow();
        await this.consumer.disconnect();
      } finally {
        clearTimeout(deadline);
        clearTimeout(this.commitTimer);
        this.stopController.abort();
      }
    })();
    return this.stopping;
  }

  private draining = false;
  /** Per assigned partition: the events in hand and what may be committed. */
  private readonly work = new Map<string, PartitionWork>();
  private readonly running = new Set<Promise<void>>();
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;

  private workOf(topic: string, partition: number): PartitionWork {
    const id = `${topic}:${partition}`;
    let work = this.work.get(id);
    if (!work) {
      work = { topic, partition, offsets: new OffsetTracker(), permits: new Semaphore(this.options.maxInFlightPerPartition), lanes: new Map(), revoked: false, committable: undefined, committed: undefined, resume: undefined };
      this.work.set(id, work);
    }
    return work;
  }

  /** After a rebalance: partitions no longer ours stop (their queued events are left to the new owner). */
  private reassigned(assigned: readonly { topic: string; partitions: number[] }[]): void {
    const kept = new Set(assigned.flatMap(({ topic, partitions }) => partitions.map((partition) => `${topic}:${partition}`)));
    for (const [id, work] of this.work) {
      if (kept.has(id)) continue;
      work.revoked = true;
      this.work.delete(id);
      // Unpause it: paused here because it was full, it must not stay paused if it comes back.
      work.resume?.();
    }
  }

  /**
   * Hands the batch's events to their key lanes and returns at once, so kafkajs fetches the next
   * records while these are handled: a long handler (a model streaming an answer) never holds back
   * events of other keys. A partition with too many events in hand is paused until it drains.
   */
  private handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const { groupId, instrumentation } = this.options;
    instrumentation.consumerLag({ group: groupId, topic, partition, lag: Number(batch.offsetLag()) });
    instrumentation.batchProcessed({ group: groupId, topic, partition, size: batch.messages.length });
    const work = this.workOf(topic, partition);
    for (const message of batch.messages) {
      if (this.draining || !payload.isRunning() || payload.isStale()) break;
      if (work.offsets.has(message.offset)) {
        // Fetched again after a rejoin (kafkajs restarts from the committed offset): already in hand.
        payload.resolveOffset(message.offset);
        continue;
      }
      work.offsets.track(message.offset);
      this.schedule(work, message);
      payload.resolveOffset(message.offset);
      if (work.offsets.pending >= this.maxInHand && !work.resume) {
        work.resume = payload.pause();
        break;
      }
    }
    return Promise.resolve();
  }

  /** Events in hand per partition before it is paused: the in-flight limit, plus as many waiting. */
  private get maxInHand(): number {
    return this.options.maxInFlightPerPartition * 2;
  }

  private schedule(work: PartitionWork, message: KafkaMessage): void {
    // Same key: strictly one after another. No key: no ordering promise, own lane.
    const lane = message.key ? message.key.toString('base64') : `offset:${message.offset}`;
    const previous = work.lanes.get(lane) ?? Promise.resolve();
    const run = previous.then(async () => {
      if (work.revoked || this.draining) return;
      await work.permits.acquire();
      try {
        // Not ours any more (or shutting down): the partition's next reader starts from the committed offset.
        if (work.revoked || this.draining) return;
        const result = await this.processor.process(work.topic, work.partition, message, this.stopController.signal);
        if (result === 'done') this.finished(work, message.offset);
      } catch (error) {
        this.failed(work, error);
      } finally {
        work.permits.release();
        if (work.resume && work.offsets.pending < this.maxInHand / 2 && !this.draining) {
          const resume = work.resume;
          work.resume = undefined;
          resume();
        }
      }
    });
    work.lanes.set(lane, run);
    this.running.add(run);
    void run.finally(() => {
      this.running.delete(run);
      if (work.lanes.get(lane) === run) work.lanes.delete(lane);
    });
  }

  private finished(work: PartitionWork, offset: string): void {
    const committable = work.offsets.complete(offset);
    if (committable === undefined) return;
    work.committable = committable;
    this.commitSoon();
  }

  /**
   * The runtime could not finish an event (its dead letter could not be sent either): nothing past
   * it may be committed. The partition is read again from its first unfinished event.
   */
  private failed(work: PartitionWork, error: unknown): void {
    if (work.revoked) return;
    this.options.logger.error({ group: this.options.groupId, topic: work.topic, partition: work.partition, error: asError(error).message }, 'event not finished; reading the partition again from it');
    const from = work.offsets.firstPending;
    work.revoked = true;
    this.work.delete(`${work.topic}:${work.partition}`);
    work.resume?.();
    if (from !== undefined && !this.draining) this.consumer.seek({ topic: work.topic, partition: work.partition, offset: from });
  }

  /** Commits within COMMIT_DELAY_MS, so a burst of finished events costs one commit. */
  private commitSoon(): void {
    this.commitTimer ??= setTimeout(() => {
      this.commitTimer = undefined;
      void this.commitNow();
    }, COMMIT_DELAY_MS);
  }

  private async commitNow(): Promise<void> {
    while (this.committing) await this.committing;
    const offsets = [...this.work.values()]
      .filter((work) => !work.revoked && work.committable !== undefined && work.committable !== work.committed)
      .map((work) => ({ work, committable: work.committable! }));
    if (offsets.length === 0) return;
    this.committing = this.consumer
      .commitOffsets(offsets.map(({ work, committable }) => ({ topic: work.topic, partition: work.partition, offset: (BigInt(committable) + 1n).toString() })))
      .then(() => {
        for (const { work, committable } of offsets) work.committed = committable;
      }, (error: unknown) => {
        // A rebalance in progress or a lost coordinator: the next commit (or the new owner) catches up.
        this.options.logger.warn({ group: this.options.groupId, error: asError(error).message }, 'offset commit failed; will retry');
        if (!this.draining) this.commitSoon();
      })
      .finally(() => {
        this.committing = undefined;
      });
    await this.committing;
  }
}

/** How long finished events wait to be committed together. Only redelivery after a crash depends on it. */
const COMMIT_DELAY_MS = 200;

interface PartitionWork {
  topic: string;
  partition: number;
  offsets: OffsetTracker;
  permits: Semaphore;
  lanes: Map<string, Promise<void>>;
  /** Set when the partition went to another member (or must be read again): its events are dropped. */
  revoked: boolean;
  /** The highest offset of the finished prefix, and the last one committed. */
  committable: string | undefined;
  committed: string | undefined;
  /** Set while the partition is paused because too many of its events are in hand. */
  resume: (() => void) | undefined;
}

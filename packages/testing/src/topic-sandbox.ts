// Every Rivulet topic under a fresh prefix on the real broker, a producer into them and collectors
// reading them: the workers' integration tests run their worker against it.
import { createKafkaClient, deleteTopics, ensureTopics, EventCodec, EventProducer, silentLogger, Worker, type AnyOutgoingEvent } from '@rivulet/kafka';
import { EVENT_TYPES, TOPIC_SPECS, TOPICS, type EventRecords, type EventType, type RivuletEvent } from '@rivulet/schemas';
import { testEnvironment as environment } from './environment.js';
import { uniqueName } from './wait.js';

export interface Received<T extends EventType> {
  event: RivuletEvent<T>;
  partition: number;
  key: string | null;
}

export interface TopicSandbox {
  /** The topics' prefix (KAFKA_TOPIC_PREFIX of the worker under test), ending in a dot. */
  prefix: string;
  send(events: readonly AnyOutgoingEvent<EventRecords>[]): Promise<void>;
  /** Starts a collector of `eventTypes` on `topic`; the array fills as they arrive. */
  collect<T extends EventType>(topic: string, eventTypes: readonly T[]): Promise<Received<T>[]>;
  /** Stops the collectors and deletes the topics. */
  close(): Promise<void>;
}

/**
 * Every Rivulet topic under a fresh prefix, a producer that publishes into them and collectors
 * that read them (as a consumer group of their own); `close()` deletes the topics.
 */
export const createTopicSandbox = async ({ partitions = 2 }: { partitions?: number } = {}): Promise<TopicSandbox> => {
  const prefix = `${uniqueName('test')}.`;
  const kafka = createKafkaClient({ brokers: environment.brokers, clientId: uniqueName('test'), logger: silentLogger });
  const codec = new EventCodec<EventRecords>({ registryUrl: environment.registryUrl, catalog: EVENT_TYPES });
  const producer = new EventProducer<EventRecords>({ kafka, codec, topicPrefix: prefix });
  await ensureTopics(kafka, TOPIC_SPECS.map((spec) => ({ name: spec.name, partitions })), { prefix });
  const workers: { stop(): Promise<void> }[] = [];

  const collect = async <T extends EventType>(topic: string, eventTypes: readonly T[]): Promise<Received<T>[]> => {
    const received: Received<T>[] = [];
    const worker = new Worker<EventRecords, T>({
      kafka, codec, producer, groupId: uniqueName('collector'), topics: [topic], eventTypes, deadLetterTopic: TOPICS.deadLetter,
      handler: (event, context) => {
        received.push({ event: event as RivuletEvent<T>, partition: context.partition, key: context.key });
        return Promise.resolve();
      },
    });
    workers.push(worker);
    await worker.start();
    return received;
  };

  const send = (events: readonly AnyOutgoingEvent<EventRecords>[]): Promise<void> => producer.send(events);

  const close = async (): Promise<void> => {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await producer.disconnect();
    await deleteTopics(kafka, TOPIC_SPECS.map((spec) => prefix + spec.name)).catch(() => undefined);
  };

  return { prefix, send, collect, close };
};

// Test support for workers' integration tests: every Rivulet topic under a fresh prefix on the
// real broker, a producer into them and collectors reading them. Used by tests only.
import { randomBytes } from 'node:crypto';
import { createKafkaClient, deleteTopics, ensureTopics, EventCodec, EventProducer, silentLogger, Worker, type AnyOutgoingEvent } from '@rivulet/kafka';
import { EVENT_TYPES, TOPIC_SPECS, TOPICS, type EventRecords, type EventType, type RivuletEvent } from '@rivulet/schemas';

/** Where the integration tests find the real services (`rivulet infra up` defaults). */
export const environment = {
  brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
};

/** A name no other test (or earlier run) uses. */
export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/** Polls `probe` (which may be async) until it gives a truthy value; fails with `description` after `timeoutMs`. */
export const waitFor = async <T>(probe: () => T | Promise<T>, { timeoutMs = 30_000, description = 'condition' } = {}): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

export interface Received<T extends EventType> {
  event: RivuletEvent<T>;
  partition: number;
  key: string | null;
}

/**
 * Every Rivulet topic under a fresh prefix, a producer that publishes into them and collectors
 * that read them (as a consumer group of their own); `close()` deletes the topics.
 */
export const createTopicSandbox = async ({ partitions = 2 }: { partitions?: number } = {}) => {
  const prefix = `${uniqueName('test')}.`;
  const kafka = createKafkaClient({ brokers: environment.brokers.split(','), clientId: uniqueName('test'), logger: silentLogger });
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

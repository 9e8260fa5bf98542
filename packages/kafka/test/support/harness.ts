import type { Kafka, KafkaMessage } from 'kafkajs';
import { createKafkaClient, deleteTopics, ensureTopics, EventCodec, EventProducer, silentLogger, type AnyDecodedEvent } from '../../src/index.js';
import { testCatalog, type TestEvents } from './catalog.js';
import { environment, uniqueName } from './environment.js';

export interface Collected {
  message: KafkaMessage;
  partition: number;
  decoded: AnyDecodedEvent<TestEvents> | undefined;
}

/**
 * Real broker, real registry: fresh topics, group-free collectors and a codec whose
 * subjects belong to this test only. `close()` deletes the topics.
 */
export const createHarness = async (options: { partitions?: number } = {}) => {
  const kafka: Kafka = createKafkaClient({ brokers: environment.brokers, clientId: uniqueName('test'), logger: silentLogger });
  const namespace = `dev.rivulet.test.${uniqueName('n').replace(/-/g, '_')}`;
  const codec = new EventCodec<TestEvents>({ registryUrl: environment.registryUrl, catalog: testCatalog(namespace) });
  const producer = new EventProducer<TestEvents>({ kafka, codec });
  const topics = { input: uniqueName('in'), output: uniqueName('out'), deadLetter: uniqueName('dlq') };
  await ensureTopics(kafka, Object.values(topics).map((name) => ({ name, partitions: options.partitions ?? 3 })));
  const consumers: { disconnect(): Promise<void> }[] = [];

  /** Reads a topic from the beginning into an array, decoding what decodes. */
  const collect = async (topic: string): Promise<Collected[]> => {
    const received: Collected[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('collector') });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const decoded = await codec.decode(message.value).catch(() => undefined);
        received.push({ message, partition, decoded });
      },
    });
    return received;
  };

  const close = async (): Promise<void> => {
    await Promise.allSettled(consumers.map((consumer) => consumer.disconnect()));
    await producer.disconnect();
    await deleteTopics(kafka, Object.values(topics)).catch(() => undefined);
  };

  return { kafka, codec, producer, topics, namespace, collect, close };
};

export type Harness = Awaited<ReturnType<typeof createHarness>>;

import { randomUUID } from 'node:crypto';
import { noInstrumentation, Worker, type AnyOutgoingEvent, type EventCodec, type EventProducer, type Kafka, type PipelineInstrumentation } from '@rivulet/kafka';
import { chunkKey, type EventRecords } from '@rivulet/schemas';
import { contentHash } from '@rivulet/worker-embedding';
import { elapsedSince } from '../support/report.js';

export interface BurstTiming {
  events: number;
  /** First produce call to the last chunk-embedded event received. */
  seconds: number;
  textsPerSecond: number;
  /** Time to produce the burst (the worker consumes while it is produced). */
  produceSeconds: number;
  duplicatesReceived: number;
}

/** Resolves when a worker's consumer has been given partitions (the runtime reports each join). */
export const joinWatcher = (base: PipelineInstrumentation = noInstrumentation) => {
  let joined!: () => void;
  const promise = new Promise<void>((resolve) => (joined = resolve));
  const instrumentation: PipelineInstrumentation = {
    ...base,
    rebalance: (event) => {
      base.rebalance(event);
      if (event.assigned.some((entry) => entry.partitions.length > 0)) joined();
    },
  };
  return { instrumentation, joined: promise };
};

/**
 * Produces bursts of chunk-created events and counts the chunk-embedded events that come back,
 * with a Worker of its own group on the output topic. Topic names go through the producer, so a
 * producer with a topic prefix (an isolated pipeline) reads and writes that pipeline's topics.
 */
export const startBurstDriver = async ({ kafka, codec, producer, chunksTopic, embeddedTopic, deadLetterTopic, run, dimension }: {
  kafka: Kafka; codec: EventCodec<EventRecords>; producer: EventProducer<EventRecords>;
  chunksTopic: string; embeddedTopic: string; deadLetterTopic: string; run: string; dimension: number;
}) => {
  let received = new Set<string>();
  let expected = 0;
  let duplicatesReceived = 0;
  let lastArrival = 0n;
  let allArrived: () => void = () => undefined;
  const counting = joinWatcher();
  const counter = new Worker<EventRecords, 'chunk-embedded'>({
    kafka, codec, producer, groupId: `bench-count-${run}`, topics: [embeddedTopic], deadLetterTopic,
    eventTypes: ['chunk-embedded'], instrumentation: counting.instrumentation, heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000,
    handler: (event) => {
      if (event.payload.embedding.dimension !== dimension) throw new Error(`vector of ${event.payload.embedding.dimension}`);
      if (received.has(event.payload.chunk.chunkId)) duplicatesReceived++;
      received.add(event.payload.chunk.chunkId);
      lastArrival = process.hrtime.bigint();
      if (received.size === expected) allArrived();
      return Promise.resolve([]);
    },
  });
  await codec.registerAll();
  await counter.start();
  await counting.joined;

  let burstNumber = 0;
  return {
    /** Produces one chunk-created per text (as the ingestion worker would) and waits for every chunk-embedded. */
    burst: async (texts: readonly string[]): Promise<BurstTiming> => {
      burstNumber++;
      received = new Set();
      expected = texts.length;
      duplicatesReceived = 0;
      const arrived = new Promise<void>((resolve) => (allArrived = resolve));
      const tenantId = `bench-${run}`;
      const events: AnyOutgoingEvent<EventRecords>[] = texts.map((text, index) => {
        const document = { tenantId, collection: 'bench', documentId: `burst-${burstNumber}-document-${Math.floor(index / 20)}` };
        return {
          topic: chunksTopic, type: 'chunk-created', key: chunkKey(document, index % 20),
          value: {
            eventId: randomUUID(), tenantId, correlationId: `bench-${run}-${burstNumber}-${Math.floor(index / 20)}`, occurredAt: Date.now(),
            payload: {
              chunk: {
                documentId: document.documentId, collection: document.collection, documentVersion: `sha256:${run}`, chunkId: `chunk-${run}-${burstNumber}-${index}`,
                index: index % 20, chunkCount: 20, text, startOffset: 0, endOffset: text.length, contentHash: contentHash(text), title: null, metadata: {},
              },
            },
          },
        };
      });
      const started = process.hrtime.bigint();
      for (let start = 0; start < events.length; start += 200) await producer.send(events.slice(start, start + 200));
      const produceSeconds = elapsedSince(started);
      const timeout = setTimeout(() => allArrived(), 30 * 60 * 1000);
      await arrived;
      clearTimeout(timeout);
      if (received.size < texts.length) throw new Error(`only ${received.size} of ${texts.length} chunk-embedded events arrived in 30 minutes`);
      const seconds = Number(lastArrival - started) / 1e9;
      return { events: texts.length, seconds, textsPerSecond: texts.length / seconds, produceSeconds, duplicatesReceived };
    },
    close: () => counter.stop(),
  };
};

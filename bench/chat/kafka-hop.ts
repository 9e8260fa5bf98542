// One Kafka hop, produce to consume, on the broker the pipeline uses, with nothing else in the
// way: the denominator of the pipeline's overhead, and the diagnostics of where a hop inside the
// pipeline costs more. Every variant runs on a fresh topic of the chat topics' partition count
// and is timed from the call to send() to the moment the consumer hands the message over.
//
// - raw: a kafkajs producer and consumer from createKafkaClient (@rivulet/kafka), configured as
//   EventProducer and Worker configure theirs (idempotent, acks all, one request in flight;
//   consumer fetch defaults minBytes 1, maxWaitTimeInMs 5000; autoCommit on), a ~100-byte value.
//   `waiting`: each message is sent 10 ms after the previous one arrived, so the consumer is
//   already waiting in its fetch (long poll), as each stage's consumer is when a request reaches
//   it at 1 stream: the denominator. `back-to-back`: sent the moment the previous one arrived.
//   `back-to-back, autoCommit off`: the same without kafkajs's commit after every batch.
//   `N at a time`: N send() calls at once (each its own produce request, queued behind the one
//   in flight), autoCommit on and off; `in one request`: the N messages in a single send().
// - runtime: @rivulet/kafka's EventProducer and Worker themselves (Avro through the registry,
//   headers, eachBatch, offset tracking) with a reply-delta, the pipeline's smallest event.
//   `busy handler`: the handler takes `busyMs` (as a generation does) while events arrive every
//   `busyGapMs`: the time an event waits before its handler starts.
import { randomUUID } from 'node:crypto';
import {
  createKafkaClient, deleteTopics, ensureTopics, EventCodec, EventProducer, noInstrumentation, silentLogger, Worker, type Kafka,
} from '@rivulet/kafka';
import { DEFAULT_PARTITIONS, EVENT_TYPES, type EventRecords } from '@rivulet/schemas';
import { sleep } from '../support/concurrency.js';
import { summarize, type LatencySummary } from '../support/latency.js';
import { processCpuSeconds } from '../support/process-stats.js';

export interface HopResult {
  /** send() called to message handed to the consumer's callback. */
  hop: LatencySummary;
  /** send() called to send() resolved (the broker acknowledged, acks all). */
  produce: LatencySummary;
  /** CPU ms the broker process spent per message (undefined without its pid). */
  brokerCpuMsPerMessage?: number | undefined;
}

export interface HopMeasurements {
  settings: { messages: number; warmUp: number; concurrent: number; partitions: number; waitingGapMs: number; busyMs: number; busyGapMs: number };
  raw: { waiting: HopResult; backToBack: HopResult; backToBackNoCommit: HopResult; concurrent: HopResult; concurrentNoCommit: HopResult; concurrentOneRequest: HopResult };
  runtime: { waiting: HopResult; concurrent: HopResult; busyHandler: HopResult };
}

type Arrivals = Map<string, (at: number) => void>;

const WAITING_GAP_MS = 10;

/**
 * Times `count` messages. `concurrent` are sent together (each its own send(), or all in one
 * `sendGroup` call) and all awaited before the next group; `gapMs` is slept between groups;
 * `openLoopMs` instead sends one message every that many ms without waiting for arrivals.
 */
const timeHops = async ({ count, concurrent = 1, gapMs = 0, openLoopMs, send, sendGroup, arrivals, brokerPid }: {
  count: number; concurrent?: number; gapMs?: number; openLoopMs?: number; send: (id: string) => Promise<void>; sendGroup?: (ids: string[]) => Promise<void>;
  arrivals: Arrivals; brokerPid?: number | undefined;
}): Promise<HopResult> => {
  const hops: number[] = [];
  const produces: number[] = [];
  const group = async (size: number) => {
    const ids = Array.from({ length: size }, () => randomUUID());
    const arrived = ids.map((id) => new Promise<number>((resolve) => arrivals.set(id, resolve)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hops not consumed within 30 s`)), 30_000)));
    const started = performance.now();
    const sent = sendGroup ? [sendGroup(ids)] : ids.map((id) => send(id));
    try {
      await Promise.race([Promise.all(sent.map((sending) => sending.then(() => produces.push(performance.now() - started)))), timeout]);
      if (sendGroup) for (let index = 1; index < size; index++) produces.push(produces.at(-1)!);
      for (const at of await Promise.race([Promise.all(arrived), timeout])) hops.push(at - started);
    } finally {
      clearTimeout(timer);
    }
  };
  const cpuBefore = brokerPid === undefined ? undefined : processCpuSeconds(brokerPid);
  if (openLoopMs !== undefined) {
    const running: Promise<void>[] = [];
    for (let sent = 0; sent < count; sent++) {
      running.push(group(1));
      await sleep(openLoopMs);
    }
    await Promise.all(running);
  } else {
    for (let sent = 0; sent < count; sent += concurrent) {
      await group(Math.min(concurrent, count - sent));
      if (gapMs > 0) await sleep(gapMs);
    }
  }
  const cpuAfter = brokerPid === undefined ? undefined : processCpuSeconds(brokerPid);
  const brokerCpuMsPerMessage = cpuBefore === undefined || cpuAfter === undefined ? undefined : Math.round(((cpuAfter - cpuBefore) * 1000 / count) * 100) / 100;
  return { hop: summarize(hops), produce: summarize(produces), brokerCpuMsPerMessage };
};

const arrivalsRecorder = () => {
  const arrivals: Arrivals = new Map();
  const arrive = (id: string | undefined) => {
    const now = performance.now();
    const resolve = id === undefined ? undefined : arrivals.get(id);
    if (resolve === undefined) return;
    arrivals.delete(id!);
    resolve(now);
  };
  return { arrivals, arrive };
};

/** A raw kafkajs consumer on `topic`, joined and reading, with kafkajs's autoCommit on or off. */
const rawConsumer = async (kafka: Kafka, topic: string, groupId: string, autoCommit: boolean, arrive: (id: string | undefined) => void) => {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, allowAutoTopicCreation: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit, eachMessage: ({ message }) => Promise.resolve(arrive(message.key?.toString())) });
  await joined;
  return consumer;
};

/** A Worker of @rivulet/kafka on `topic` whose handler records the arrival, then takes `busyMs`. */
const runtimeWorker = async ({ kafka, codec, producer, topic, deadLetterTopic, groupId, busyMs, arrive }: {
  kafka: Kafka; codec: EventCodec<EventRecords>; producer: EventProducer<EventRecords>; topic: string; deadLetterTopic: string; groupId: string; busyMs: number;
  arrive: (id: string | undefined) => void;
}) => {
  let joined!: () => void;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  const worker = new Worker<EventRecords, 'reply-delta'>({
    kafka, codec, producer, groupId, topics: [topic], deadLetterTopic, eventTypes: ['reply-delta'],
    heartbeatIntervalMs: 1_000, sessionTimeoutMs: 10_000, shutdownTimeoutMs: 5_000,
    instrumentation: {
      ...noInstrumentation,
      rebalance: ({ assigned }) => {
        if (assigned.some(({ partitions }) => partitions.length > 0)) joined();
      },
    },
    handler: async (event) => {
      arrive(event.payload.requestId);
      if (busyMs > 0) await sleep(busyMs);
      return [];
    },
  });
  await worker.start();
  await ready;
  return worker;
};

export const measureKafkaHops = async ({ brokers, registryUrl, brokerPid, messages = 200, warmUp = 20, concurrent = 20, busyMs = 20, busyGapMs = 5 }: {
  brokers: string[]; registryUrl: string; brokerPid?: number | undefined; messages?: number; warmUp?: number; concurrent?: number; busyMs?: number; busyGapMs?: number;
}): Promise<HopMeasurements> => {
  const run = randomUUID().slice(0, 8);
  const kafka = createKafkaClient({ brokers, clientId: `rivulet-bench-hop-${run}`, logger: silentLogger });
  const topic = (name: string) => `rivulet-bench.hop-${name}-${run}`;
  const topics = ['raw', 'raw-no-commit', 'runtime', 'runtime-busy', 'dead-letter'].map(topic);
  const groups = ['raw', 'raw-no-commit', 'runtime', 'runtime-busy'].map((name) => `rivulet-bench-hop-${name}-${run}`);
  await ensureTopics(kafka, topics.map((name) => ({ name, partitions: DEFAULT_PARTITIONS })));
  const { arrivals, arrive } = arrivalsRecorder();
  const closers: (() => Promise<void>)[] = [];
  const timed = (options: Omit<Parameters<typeof timeHops>[0], 'arrivals' | 'brokerPid'>) => timeHops({ ...options, arrivals, brokerPid });

  try {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    closers.push(() => producer.disconnect());
    const value = Buffer.from(JSON.stringify({ requestId: randomUUID(), seq: 1, content: ' a few words of an answer, as one delta carries them' }));
    const sendTo = (name: string) => async (id: string) => {
      await producer.send({ topic: topic(name), acks: -1, messages: [{ key: id, value }] });
    };

    const committing = await rawConsumer(kafka, topic('raw'), groups[0]!, true, arrive);
    closers.push(() => committing.disconnect());
    await timed({ count: warmUp, gapMs: WAITING_GAP_MS, send: sendTo('raw') });
    const rawWaiting = await timed({ count: messages, gapMs: WAITING_GAP_MS, send: sendTo('raw') });
    const rawBackToBack = await timed({ count: messages, send: sendTo('raw') });
    const rawConcurrent = await timed({ count: messages, concurrent, gapMs: WAITING_GAP_MS, send: sendTo('raw') });

    const notCommitting = await rawConsumer(kafka, topic('raw-no-commit'), groups[1]!, false, arrive);
    closers.push(() => notCommitting.disconnect());
    await timed({ count: warmUp, send: sendTo('raw-no-commit') });
    const rawBackToBackNoCommit = await timed({ count: messages, send: sendTo('raw-no-commit') });
    const rawConcurrentNoCommit = await timed({ count: messages, concurrent, gapMs: WAITING_GAP_MS, send: sendTo('raw-no-commit') });
    const rawOneRequest = await timed({
      count: messages, concurrent, gapMs: WAITING_GAP_MS, send: sendTo('raw-no-commit'),
      sendGroup: async (ids) => void (await producer.send({ topic: topic('raw-no-commit'), acks: -1, messages: ids.map((id) => ({ key: id, value })) })),
    });

    const codec = new EventCodec<EventRecords>({ registryUrl, catalog: EVENT_TYPES });
    await codec.registerAll();
    const events = new EventProducer<EventRecords>({ kafka, codec });
    closers.push(() => events.disconnect());
    const sendEvent = (name: string) => (id: string) => events.send([{
      topic: topic(name), type: 'reply-delta', key: id,
      value: {
        eventId: randomUUID(), tenantId: 'bench', correlationId: id, occurredAt: Date.now(),
        payload: { requestId: id, attemptId: run, seq: 1, content: ' a few words of an answer, as one delta carries them', reset: false, sources: null, failover: null },
      },
    }]);
    const deadLetterTopic = topic('dead-letter');
    const quick = await runtimeWorker({ kafka, codec, producer: events, topic: topic('runtime'), deadLetterTopic, groupId: groups[2]!, busyMs: 0, arrive });
    closers.push(() => quick.stop());
    await timed({ count: warmUp, gapMs: WAITING_GAP_MS, send: sendEvent('runtime') });
    const runtimeWaiting = await timed({ count: messages, gapMs: WAITING_GAP_MS, send: sendEvent('runtime') });
    const runtimeConcurrent = await timed({ count: messages, concurrent, gapMs: WAITING_GAP_MS, send: sendEvent('runtime') });

    const busy = await runtimeWorker({ kafka, codec, producer: events, topic: topic('runtime-busy'), deadLetterTopic, groupId: groups[3]!, busyMs, arrive });
    closers.push(() => busy.stop());
    await timed({ count: warmUp, gapMs: busyMs + WAITING_GAP_MS, send: sendEvent('runtime-busy') });
    const busyHandler = await timed({ count: messages, openLoopMs: busyGapMs, send: sendEvent('runtime-busy') });

    return {
      settings: { messages, warmUp, concurrent, partitions: DEFAULT_PARTITIONS, waitingGapMs: WAITING_GAP_MS, busyMs, busyGapMs },
      raw: { waiting: rawWaiting, backToBack: rawBackToBack, backToBackNoCommit: rawBackToBackNoCommit, concurrent: rawConcurrent, concurrentNoCommit: rawConcurrentNoCommit, concurrentOneRequest: rawOneRequest },
      runtime: { waiting: runtimeWaiting, concurrent: runtimeConcurrent, busyHandler },
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
    await deleteTopics(kafka, topics).catch(() => undefined);
  }
};

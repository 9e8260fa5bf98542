import { randomUUID } from 'node:crypto';
import type { Kafka, Producer, IHeaders } from 'kafkajs';
import type { EventMap } from './catalog.js';
import type { EventCodec } from './codec.js';
import { HEADERS, childTraceparent, type HeaderMap } from './headers.js';
import type { PipelineInstrumentation } from './instrumentation.js';
import { RivuletKafkaError } from './errors.js';
import type { Tombstone } from './tombstones.js';

/** One event to publish. `value` is the full event (envelope + payload). */
export interface OutgoingEvent<Events extends EventMap = EventMap, Type extends keyof Events & string = keyof Events & string> {
  topic: string;
  type: Type;
  key: string | null;
  value: Events[Type];
  /** Extra headers; correlation id and traceparent are filled in when absent. */
  headers?: HeaderMap;
  /** Explicit partition (reply routing); the key's partition otherwise. */
  partition?: number;
}

export type AnyOutgoingEvent<Events extends EventMap> = {
  [Type in keyof Events & string]: OutgoingEvent<Events, Type>;
}[keyof Events & string];

/**
 * A key to remove from a compacted topic: produced as a record with the key and a null value
 * (a tombstone), and exactly the given headers. Named without KAFKA_TOPIC_PREFIX, like an event.
 */
export interface OutgoingTombstone {
  topic: string;
  key: string;
  tombstone: true;
  headers?: HeaderMap;
}

/** What the producer sends: events and tombstones, in one list, in order. */
export type AnyOutgoing<Events extends EventMap> = AnyOutgoingEvent<Events> | OutgoingTombstone;

export const isTombstone = (output: object): output is OutgoingTombstone => 'tombstone' in output && output.tombstone === true;

export interface EventProducerOptions<Events extends EventMap> {
  kafka: Kafka;
  codec: EventCodec<Events>;
  instrumentation?: Pick<PipelineInstrumentation, 'produced'>;
  /**
   * Prepended to every topic name (`KAFKA_TOPIC_PREFIX`): several environments, or test runs,
   * share one cluster without seeing each other's events. Code keeps naming topics by constant.
   */
  topicPrefix?: string;
}

interface EncodedMessage {
  topic: string;
  message: { key: string | null; value: Buffer | null; headers: IHeaders; partition?: number };
}

interface EnvelopeLike {
  eventId?: unknown;
  tenantId?: unknown;
  correlationId?: unknown;
}

/**
 * The idempotent producer every process uses: encodes through the registry, sets
 * Rivulet's headers, waits for all in-sync replicas. `send` resolves only when the
 * broker has acknowledged every event, which is what lets consumers commit after it.
 */
export class EventProducer<Events extends EventMap = EventMap> {
  private readonly producer: Producer;
  private readonly codec: EventCodec<Events>;
  private readonly instrumentation: Pick<PipelineInstrumentation, 'produced'> | undefined;
  private connected: Promise<void> | undefined;
  readonly topicPrefix: string;

  constructor({ kafka, codec, instrumentation, topicPrefix = '' }: EventProducerOptions<Events>) {
    this.topicPrefix = topicPrefix;
    // maxInFlightRequests 1 keeps the idempotent producer's sequence numbers in order.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.codec = codec;
    this.instrumentation = instrumentation;
  }

  connect(): Promise<void> {
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  /**
   * Publishes events (and tombstones, kept in their place in the list) and resolves once Kafka
   * acknowledged all of them. Sends made while another is in flight leave together in the next
   * produce request (the idempotent producer allows one request in flight): concurrent callers
   * share round trips instead of queueing behind each other.
   */
  async send(outputs: readonly AnyOutgoing<Events>[]): Promise<void> {
    if (outputs.length === 0) return;
    await this.connect();
    const encoded = await Promise.all(outputs.map((output) => (isTombstone(output) ? this.encodeTombstone(output) : this.encode(output))));
    const waiting = new Promise<void>((resolve, reject) => this.queue.push({ messages: encoded, resolve, reject }));
    this.flushing ??= this.flush();
    await waiting;
    for (const output of outputs) this.instrumentation?.produced({ topic: output.topic, eventType: isTombstone(output) ? 'tombstone' : output.type, count: 1 });
  }

  /**
   * Publishes tombstones (null values) on the given keys, with `headers`, and resolves once Kafka
   * acknowledged them. They share the events' produce queue, so a tombstone sent after an
   * acknowledged event of its key lands after it.
   */
  sendTombstones(tombstones: readonly Tombstone[], headers: HeaderMap = {}): Promise<void> {
    return this.send(tombstones.map(({ topic, key }) => ({ topic, key, tombstone: true, headers })));
  }

  private readonly queue: { messages: EncodedMessage[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  private async flush(): Promise<void> {
    // Sends started in one turn (the reply streams of one delta drain, each through its own event's
    // emitter) reach the queue a microtask apart: one tick lets them all join the first request.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const sends = this.queue.splice(0, this.queue.length);
      const byTopic = new Map<string, EncodedMessage['message'][]>();
      for (const { messages } of sends) {
        for (const { topic, message } of messages) {
          const list = byTopic.get(topic) ?? [];
          list.push(message);
          byTopic.set(topic, list);
        }
      }
      const count = sends.reduce((sum, { messages }) => sum + messages.length, 0);
      try {
        await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        for (const send of sends) send.resolve();
      } catch (error) {
        const failure = new RivuletKafkaError('produce_failed', `Kafka did not acknowledge ${count} event(s): ${(error as Error).message}`, { retriable: true, cause: error });
        for (const send of sends) send.reject(failure);
      }
    }
    this.flushing = undefined;
  }

  private encodeTombstone({ topic, key, headers = {} }: OutgoingTombstone): Promise<EncodedMessage> {
    return Promise.resolve({ topic: this.topicPrefix + topic, message: { key, value: null, headers: { ...headers } } });
  }

  private async encode(event: AnyOutgoingEvent<Events>): Promise<EncodedMessage> {
    const value = await this.codec.encode(event.type, event.value);
    const envelope = event.value as EnvelopeLike;
    const headers: IHeaders = {
      [HEADERS.eventType]: event.type,
      ...(typeof envelope.eventId === 'string' ? { [HEADERS.eventId]: envelope.eventId } : {}),
      ...(typeof envelope.tenantId === 'string' ? { [HEADERS.tenantId]: envelope.tenantId } : {}),
      ...(typeof envelope.correlationId === 'string' ? { [HEADERS.correlationId]: envelope.correlationId } : {}),
      ...event.headers,
    };
    headers[HEADERS.traceparent] ??= childTraceparent(undefined);
    return {
      topic: this.topicPrefix + event.topic,
      message: { key: event.key, value, headers, ...(event.partition === undefined ? {} : { partition: event.partition }) },
    };
  }

  /** Same as disconnect(): lets a producer sit in a shutdown list (see stopOnSignals). */
  stop(): Promise<void> {
    return this.disconnect();
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = undefined;
  }
}

/** A fresh envelope for an event caused by `cause` (same tenant and correlation id). */
export const envelopeFrom = (cause: { tenantId: string; correlationId: string }): { eventId: string; tenantId: string; correlationId: string; occurredAt: number } => ({
  eventId: randomUUID(),
  tenantId: cause.tenantId,
  correlationId: cause.correlationId,
  occurredAt: Date.now(),
});

// What the wrappers of message-processor.ts share: the processor's options, the record being
// processed, and how a handled record ended.
import type { KafkaMessage } from 'kafkajs';
import { backoffDelay, sleep } from '../backoff.js';
import type { EventMap } from '../catalog.js';
import type { EventCodec } from '../codec.js';
import type { ClassifiedError } from '../errors.js';
import type { AnyHandlerOutputType, Handler } from '../handler.js';
import { HEADERS, readHeaders, spanIdOf, traceIdOf, type HeaderMap } from '../headers.js';
import type { PipelineInstrumentation } from '../instrumentation.js';
import type { RuntimeLogger } from '../logger.js';
import type { EventProducer } from '../producer.js';
import type { MessageTracer } from '../tracing.js';

export interface MessageProcessorOptions<Events extends EventMap> {
  group: string;
  codec: EventCodec<Events>;
  producer: EventProducer<Events>;
  handler: Handler<Events, keyof Events & string, AnyHandlerOutputType<Events>>;
  /** Types to hand to the handler; others are acknowledged untouched. */
  eventTypes?: readonly string[];
  deadLetterTopic: string;
  maxAttempts: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  instrumentation: PipelineInstrumentation;
  logger: RuntimeLogger;
  /** Starts a consumer span per handled event; without one the header's trace is carried on, untraced. */
  tracer?: MessageTracer | undefined;
  /** Where a keyed tombstone read from the input is passed on (WorkerOptions.forwardTombstonesTo); nowhere when undefined. */
  forwardTombstonesTo?: string | undefined;
}

/** `done`: the offset may be committed. `abandoned`: it must not be (shutdown interrupted it). */
export type ProcessResult = 'done' | 'abandoned';

/** One record read from Kafka, as every wrapper sees it. */
export interface InputRecord {
  topic: string;
  partition: number;
  message: KafkaMessage;
  headers: HeaderMap;
  /** Aborted when the worker shuts down. */
  signal: AbortSignal;
  /** Seconds since processing of the record began. */
  seconds: () => number;
}

export const inputRecord = (topic: string, partition: number, message: KafkaMessage, signal: AbortSignal): InputRecord => {
  const started = process.hrtime.bigint();
  return { topic, partition, message, headers: readHeaders(message.headers), signal, seconds: () => Number(process.hrtime.bigint() - started) / 1e9 };
};

/** How the attempts at a decoded (or undecodable) record ended. */
export type Outcome =
  | { kind: 'handled'; attempts: number }
  | { kind: 'dead_lettered'; attempts: number; error: ClassifiedError }
  | { kind: 'abandoned'; attempts: number; reason: string };

export const resultOf = (outcome: Outcome): ProcessResult => (outcome.kind === 'abandoned' ? 'abandoned' : 'done');

/** Waits the backoff of `attempt`; false when shutdown came first. */
export const backOff = <Events extends EventMap>(options: MessageProcessorOptions<Events>, attempt: number, signal: AbortSignal): Promise<boolean> =>
  sleep(backoffDelay(attempt, options.retryInitialDelayMs, options.retryMaxDelayMs), signal);

/** The key of a record as a string, null when it has none. */
export const keyOf = (message: KafkaMessage): string | null => message.key?.toString('utf8') ?? null;

/** The ids that tie a log line to its request and trace (the span of this hop, when traced). */
export const correlationOf = (headers: HeaderMap, traceparent: string | undefined): { requestId: string | undefined; traceId: string | undefined; spanId: string | undefined } => ({
  requestId: headers[HEADERS.correlationId],
  traceId: traceIdOf(traceparent),
  spanId: spanIdOf(traceparent),
});

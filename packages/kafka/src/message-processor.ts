import type { KafkaMessage } from 'kafkajs';
import type { EventMap } from './catalog.js';
import type { EventCodec } from './codec.js';
import { deadLetterFor, DEAD_LETTER_EVENT_TYPE } from './dead-letter.js';
import { classifyError, type ClassifiedError } from './errors.js';
import type { Handler } from './handler.js';
import { HEADERS, childTraceparent, readHeaders, spanIdOf, traceIdOf, type HeaderMap } from './headers.js';
import type { PipelineInstrumentation } from './instrumentation.js';
import type { RuntimeLogger } from './logger.js';
import type { AnyOutgoingEvent, EventProducer } from './producer.js';
import { backoffDelay, sleep } from './backoff.js';
import { SPAN_ATTRIBUTES, startConsumerSpan, type MessageSpan, type MessageTracer } from './tracing.js';

/** Any handler's output, before the producer checks it against the catalogue. */
type LooseOutgoingEvent = { topic: string; type: string; key: string | null; value: unknown; headers?: HeaderMap; partition?: number };

export interface MessageProcessorOptions<Events extends EventMap> {
  group: string;
  codec: EventCodec<Events>;
  producer: EventProducer<Events>;
  handler: Handler<Events>;
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

/**
 * Takes one record from decode to acknowledged outputs: the whole at-least-once and
 * dead-letter policy of the runtime lives here.
 */
export class MessageProcessor<Events extends EventMap> {
  /** Read once: the per-event debug line is not even built when nobody reads it. */
  private readonly logsEachEvent: boolean;

  constructor(private readonly options: MessageProcessorOptions<Events>) {
    this.logsEachEvent = options.logger.isLevelEnabled?.('debug') === true;
  }

  async process(topic: string, partition: number, message: KafkaMessage, signal: AbortSignal): Promise<ProcessResult> {
    const { group, instrumentation } = this.options;
    const headers = readHeaders(message.headers);
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;

    // A tombstone (null value) on a compacted topic says a key was removed (`rivulet erase`):
    // there is no event to handle, and it is not a malformed record.
    if (message.value === null) {
      const key = message.key?.toString('utf8');
      if (this.options.forwardTombstonesTo !== undefined && key !== undefined) {
        return this.forwardTombstone({ topic, partition, offset: message.offset, key, headers, to: this.options.forwardTombstonesTo, seconds, signal });
      }
      instrumentation.messageHandled({ group, topic, partition, eventType: 'tombstone', outcome: 'skipped', durationSeconds: seconds(), attempts: 0 });
      return 'done';
    }
    // A type this worker does not take, as its producer named it: skipped without decoding (the
    // persistence worker reads every reply-delta of the replies topic only to pass over it).
    const namedType = headers[HEADERS.eventType];
    if (this.options.eventTypes && namedType !== undefined && !this.options.eventTypes.includes(namedType)) {
      instrumentation.messageHandled({ group, topic, partition, eventType: namedType, outcome: 'skipped', durationSeconds: seconds(), attempts: 0 });
      return 'done';
    }
    const decoded = await this.decodeWithRetry(message, signal);
    if (decoded === 'abandoned') return 'abandoned';
    if ('error' in decoded) {
      const eventType = headers[HEADERS.eventType] ?? 'unknown';
      const span = this.startSpan(topic, partition, message, headers, eventType);
      return this.deadLetter({ topic, partition, message, headers, error: decoded.error, attempts: 1, eventType, seconds, signal, span });
    }
    const { type, value } = decoded;
    if (this.options.eventTypes && !this.options.eventTypes.includes(type)) {
      instrumentation.messageHandled({ group, topic, partition, eventType: type, outcome: 'skipped', durationSeconds: seconds(), attempts: 0 });
      return 'done';
    }
    const occurredAt = (value as { occurredAt?: unknown }).occurredAt;
    if (typeof occurredAt === 'number') instrumentation.stageLatency({ group, topic, seconds: Math.max(0, (Date.now() - occurredAt) / 1000) });
    // Chat events carry their request, stamped when the ingress accepted it: the latency from the ingress to this stage.
    const acceptedAt = (value as { payload?: { request?: { acceptedAt?: unknown } } }).payload?.request?.acceptedAt;
    if (typeof acceptedAt === 'number') instrumentation.sinceAccepted?.({ group, topic, seconds: Math.max(0, (Date.now() - acceptedAt) / 1000) });

    // The span (when traced) names this hop; its traceparent goes on every output.
    const span = this.startSpan(topic, partition, message, headers, type);
    const traceparent = span?.traceparent ?? childTraceparent(headers[HEADERS.traceparent]);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const outputs = await this.options.handler(value, {
          eventType: type, topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null,
          headers, correlationId: headers[HEADERS.correlationId], traceparent, attempt, signal,
        });
        await this.publish(outputs ?? [], headers, traceparent);
        const durationSeconds = seconds();
        instrumentation.messageHandled({ group, topic, partition, eventType: type, outcome: attempt > 1 ? 'retried' : 'ok', durationSeconds, attempts: attempt });
        span?.end(attempt > 1 ? { attributes: { [SPAN_ATTRIBUTES.attempts]: attempt } } : undefined);
        if (this.logsEachEvent) {
          this.options.logger.debug({ ...correlationOf(headers, traceparent), topic, partition, offset: message.offset, eventType: type, attempts: attempt, durationMs: Math.round(durationSeconds * 1000) }, 'event handled');
        }
        return 'done';
      } catch (error) {
        const classified = classifyError(error);
        if (!classified.retriable || attempt >= this.options.maxAttempts) {
          return this.deadLetter({ topic, partition, message, headers, error: classified, attempts: attempt, eventType: type, seconds, signal, span, traceparent });
        }
        this.options.logger.warn({ ...correlationOf(headers, traceparent), topic, partition, offset: message.offset, eventType: type, attempt, code: classified.code, error: classified.message }, 'handler failed, retrying');
        const waited = await sleep(backoffDelay(attempt, this.options.retryInitialDelayMs, this.options.retryMaxDelayMs), signal);
        if (!waited) {
          span?.end({ attributes: { [SPAN_ATTRIBUTES.attempts]: attempt }, error: { code: 'abandoned', message: 'shutdown interrupted the retries; the event is read again' } });
          return 'abandoned';
        }
      }
    }
  }

  private startSpan(topic: string, partition: number, message: KafkaMessage, headers: HeaderMap, eventType: string): MessageSpan | undefined {
    const { tracer, group } = this.options;
    return tracer === undefined ? undefined : startConsumerSpan(tracer, { group, topic, partition, offset: message.offset, eventType, headers });
  }

  private async publish(outputs: readonly LooseOutgoingEvent[], inputHeaders: HeaderMap, traceparent: string): Promise<void> {
    if (outputs.length === 0) return;
    const correlation = inputHeaders[HEADERS.correlationId];
    const events = outputs.map((output) => ({
      ...output,
      headers: { ...(correlation ? { [HEADERS.correlationId]: correlation } : {}), [HEADERS.traceparent]: traceparent, ...output.headers },
    }));
    await this.options.producer.send(events as unknown as AnyOutgoingEvent<Events>[]);
  }

  /**
   * Produces the tombstone, same key, on `to` and waits for Kafka's acknowledgement, retrying until
   * it comes: there is nothing to dead-letter, and giving up would lose the removal. Runs in the
   * key's lane like any event, so the outputs of the key's earlier events are acknowledged first.
   */
  private async forwardTombstone(input: {
    topic: string; partition: number; offset: string; key: string; headers: HeaderMap; to: string; seconds: () => number; signal: AbortSignal;
  }): Promise<ProcessResult> {
    const { group, instrumentation, logger } = this.options;
    const { topic, partition, offset, key, headers, to } = input;
    const tenantId = headers[HEADERS.tenantId];
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.options.producer.sendTombstones([{ topic: to, key }], tenantId === undefined ? {} : { [HEADERS.tenantId]: tenantId });
        instrumentation.messageHandled({ group, topic, partition, eventType: 'tombstone', outcome: attempt > 1 ? 'retried' : 'ok', durationSeconds: input.seconds(), attempts: attempt });
        return 'done';
      } catch (error) {
        logger.error({ topic, partition, offset, to, attempt, error: (error as Error).message }, 'tombstone forward failed; offset held back');
        if (!(await sleep(backoffDelay(attempt, this.options.retryInitialDelayMs, this.options.retryMaxDelayMs), input.signal))) return 'abandoned';
      }
    }
  }

  /** Registry outages are nobody's fault: retry until it answers or we shut down, never dead-letter. */
  private async decodeWithRetry(message: KafkaMessage, signal: AbortSignal) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.options.codec.decode(message.value);
      } catch (error) {
        const classified = classifyError(error);
        if (!classified.retriable) return { error: classified };
        this.options.logger.warn({ offset: message.offset, attempt, error: classified.message }, 'schema registry unavailable, retrying decode');
        if (!(await sleep(backoffDelay(attempt, this.options.retryInitialDelayMs, this.options.retryMaxDelayMs), signal))) return 'abandoned' as const;
      }
    }
  }

  /**
   * Publishes the dead letter, retrying until Kafka takes it. If it never does before
   * shutdown the record stays uncommitted and is read again: nothing accepted is lost.
   */
  private async deadLetter(input: {
    topic: string; partition: number; message: KafkaMessage; headers: HeaderMap; error: ClassifiedError;
    attempts: number; eventType: string; seconds: () => number; signal: AbortSignal; span: MessageSpan | undefined; traceparent?: string;
  }): Promise<ProcessResult> {
    const { group, instrumentation, logger } = this.options;
    const { topic, partition, message, headers, error, attempts, eventType, span } = input;
    const traceparent = input.traceparent ?? span?.traceparent ?? headers[HEADERS.traceparent];
    const { event, headers: deadLetterHeaders } = deadLetterFor({ message, headers, topic, partition, group, error, attempts });
    // The dead letter continues the failed hop's trace (the original header stays in its payload).
    if (traceparent !== undefined) deadLetterHeaders[HEADERS.traceparent] = traceparent;
    const correlation = correlationOf(headers, traceparent);
    for (let sendAttempt = 1; ; sendAttempt += 1) {
      try {
        await this.options.producer.send([
          { topic: this.options.deadLetterTopic, type: DEAD_LETTER_EVENT_TYPE, key: message.key?.toString('utf8') ?? null, value: event, headers: deadLetterHeaders },
        ] as unknown as AnyOutgoingEvent<Events>[]);
        break;
      } catch (sendError) {
        logger.error({ ...correlation, topic, partition, offset: message.offset, error: (sendError as Error).message }, 'dead-letter publish failed; offset held back');
        if (!(await sleep(backoffDelay(sendAttempt, this.options.retryInitialDelayMs, this.options.retryMaxDelayMs), input.signal))) {
          span?.end({ attributes: { [SPAN_ATTRIBUTES.attempts]: attempts }, error: { code: 'abandoned', message: 'shutdown interrupted the dead-letter publish; the event is read again' } });
          return 'abandoned';
        }
      }
    }
    span?.end({ attributes: { [SPAN_ATTRIBUTES.attempts]: attempts }, error: { code: error.code, message: error.message } });
    logger.warn({ ...correlation, topic, partition, offset: message.offset, eventType, code: error.code, error: error.message, attempts }, 'event dead-lettered');
    instrumentation.deadLettered({ group, topic, reason: error.code });
    instrumentation.messageHandled({ group, topic, partition, eventType, outcome: 'dead_lettered', durationSeconds: input.seconds(), attempts });
    return 'done';
  }
}

/** The ids that tie a log line to its request and trace (the span of this hop, when traced). */
const correlationOf = (headers: HeaderMap, traceparent: string | undefined): { requestId: string | undefined; traceId: string | undefined; spanId: string | undefined } => ({
  requestId: headers[HEADERS.correlationId],
  traceId: traceIdOf(traceparent),
  spanId: spanIdOf(traceparent),
});

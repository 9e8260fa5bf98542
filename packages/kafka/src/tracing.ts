// The contract between the consumer runtime and a tracer (OpenTelemetry's, in @rivulet/observability:
// createTracing). By shape alone, like instrumentation.ts: neither package imports the other.
import type { HeaderMap } from './headers.js';
import { HEADERS } from './headers.js';

/** One handled event's span. */
export interface MessageSpan {
  /** The W3C traceparent naming this span: the runtime stamps it on every output, so the next hop is its child. */
  readonly traceparent: string;
  /** An `error` marks the span failed (status ERROR, `error.type` = the code). */
  end(outcome?: { error?: { code: string; message?: string | undefined }; attributes?: Readonly<Record<string, string | number | boolean>> }): void;
}

export interface MessageTracer {
  /** `undefined`: not traced this time; the runtime carries the trace in the header as without a tracer. */
  startSpan(options: {
    name: string;
    kind: 'consumer';
    /** The incoming record's traceparent header. */
    parent: string | undefined;
    attributes: Readonly<Record<string, string | number | boolean>>;
  }): MessageSpan | undefined;
}

/**
 * Attribute names of a consumer span: OpenTelemetry's messaging conventions, plus Rivulet's own
 * under `rivulet.` (docs/operations.md, "Tracing").
 */
export const SPAN_ATTRIBUTES = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  offset: 'messaging.kafka.offset',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  eventType: 'rivulet.event_type',
  requestId: 'rivulet.request_id',
  tenantId: 'rivulet.tenant_id',
  attempts: 'rivulet.attempts',
} as const;

/** Starts the consumer span of one record; its parent is the record's traceparent. */
export const startConsumerSpan = (tracer: MessageTracer, input: {
  group: string; topic: string; partition: number; offset: string; eventType: string; headers: HeaderMap;
}): MessageSpan | undefined => {
  const { group, topic, partition, offset, eventType, headers } = input;
  const requestId = headers[HEADERS.correlationId];
  const tenantId = headers[HEADERS.tenantId];
  const eventId = headers[HEADERS.eventId];
  return tracer.startSpan({
    name: `process ${topic}`,
    kind: 'consumer',
    parent: headers[HEADERS.traceparent],
    attributes: {
      [SPAN_ATTRIBUTES.messagingSystem]: 'kafka',
      [SPAN_ATTRIBUTES.operationType]: 'process',
      [SPAN_ATTRIBUTES.destination]: topic,
      [SPAN_ATTRIBUTES.partition]: String(partition),
      [SPAN_ATTRIBUTES.offset]: Number(offset),
      [SPAN_ATTRIBUTES.consumerGroup]: group,
      [SPAN_ATTRIBUTES.eventType]: eventType,
      ...(eventId === undefined ? {} : { [SPAN_ATTRIBUTES.messageId]: eventId }),
      ...(requestId === undefined ? {} : { [SPAN_ATTRIBUTES.requestId]: requestId }),
      ...(tenantId === undefined ? {} : { [SPAN_ATTRIBUTES.tenantId]: tenantId }),
    },
  });
};

import { randomBytes } from 'node:crypto';

/** Header names Rivulet puts on every record. Values are UTF-8 strings. */
export const HEADERS = {
  eventType: 'rivulet-event-type',
  eventId: 'rivulet-event-id',
  tenantId: 'rivulet-tenant-id',
  correlationId: 'rivulet-correlation-id',
  traceparent: 'traceparent',
  deadLetter: {
    reason: 'rivulet-dlq-reason',
    error: 'rivulet-dlq-error',
    originalTopic: 'rivulet-dlq-original-topic',
    originalPartition: 'rivulet-dlq-original-partition',
    originalOffset: 'rivulet-dlq-original-offset',
    group: 'rivulet-dlq-group',
    attempts: 'rivulet-dlq-attempts',
  },
} as const;

export type HeaderMap = Record<string, string>;

/** kafkajs hands headers as Buffer | string | array; Rivulet works with one string each. */
export const readHeaders = (raw: Record<string, unknown> | undefined): HeaderMap => {
  const headers: HeaderMap = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    if (first === undefined || first === null) continue;
    if (Buffer.isBuffer(first)) headers[name] = first.toString('utf8');
    else if (typeof first === 'string' || typeof first === 'number') headers[name] = String(first);
  }
  return headers;
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * W3C trace context: keep the trace id of the incoming record and start a new span id
 * for the hop, so one request is one trace across every worker.
 */
export const childTraceparent = (parent: string | undefined): string => {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  const traceId = match?.[1] ?? randomBytes(16).toString('hex');
  const flags = match?.[3] ?? '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
};

export const traceIdOf = (traceparent: string | undefined): string | undefined =>
  traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;

/** The span id of a traceparent: the hop that wrote it. */
export const spanIdOf = (traceparent: string | undefined): string | undefined =>
  traceparent ? TRACEPARENT.exec(traceparent)?.[2] : undefined;

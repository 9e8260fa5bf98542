// Tracing: one trace per request across every hop, exported with OpenTelemetry's OTLP exporter
// when an endpoint is configured. This file never imports OpenTelemetry: the SDK is loaded by a
// dynamic import in createTracing(), only when tracing is on, so a process without an endpoint
// neither loads it nor pays anything per event (the W3C traceparent header is still carried).
import type { Logger } from './logger.js';

export type SpanKindName = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

export interface SpanOptions {
  /** Low-cardinality: `chat request`, `process rivulet.chat.requests`. */
  name: string;
  kind: SpanKindName;
  /** W3C traceparent of the parent (from a Kafka header); none or invalid: the span starts a trace. */
  parent?: string | undefined;
  attributes?: SpanAttributes;
}

/** How a span ended: an `error` sets status ERROR and `error.type` to its code. */
export interface SpanOutcome {
  error?: { code: string; message?: string | undefined } | undefined;
  attributes?: SpanAttributes;
}

export interface TraceSpan {
  /**
   * The W3C traceparent naming this very span (its trace id, its span id, its sampled flag): put it
   * on every event the span causes, so the next hop's span is its child.
   */
  readonly traceparent: string;
  end(outcome?: SpanOutcome): void;
}

/**
 * Starts spans. `undefined`: this span is not traced (tracing still loading); the caller carries
 * the trace on in the header as it does with tracing off.
 */
export interface Tracer {
  startSpan(options: SpanOptions): TraceSpan | undefined;
}

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: a collector's base URL; spans are POSTed to `<endpoint>/v1/traces`. */
  endpoint?: string | undefined;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full URL, used as written; wins over `endpoint`. */
  tracesEndpoint?: string | undefined;
  /** OTEL_SERVICE_NAME, `rivulet-<process>` by default. */
  serviceName: string;
  /** OTEL_TRACES_SAMPLER_ARG: share of new traces recorded, 0 to 1. Default 1. */
  sampleRatio?: number;
  /** Export failures are logged here (once per run of failures, then again after a success). */
  logger: Logger;
  /** How long spans wait to be sent together (batch span processor). Default 5000 ms. */
  exportDelayMs?: number;
  /** Spans held when the collector is slow or down; more are dropped. Default 2048. */
  maxQueuedSpans?: number;
  /** Time one export may take. Default 10000 ms. */
  exportTimeoutMs?: number;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Resolves once the SDK is loaded and spans are recorded; rejects if it could not be loaded. */
  readonly ready: Promise<void>;
  /** Sends what is queued and stops; at most `timeoutMs` (default 5000), spans still queued then are lost. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** The URL spans are sent to, or undefined when tracing is off. */
export const tracesUrl = ({ endpoint, tracesEndpoint }: Pick<TracingOptions, 'endpoint' | 'tracesEndpoint'>): string | undefined => {
  if (tracesEndpoint) return tracesEndpoint;
  if (!endpoint) return undefined;
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
};

/**
 * Tracing for one process, or `undefined` when no endpoint is configured. The SDK loads in the
 * background; until `ready` resolves `startSpan` returns undefined (call sites fall back to the
 * untraced header), so await `ready` before serving.
 */
export const createTracing = (options: TracingOptions): Tracing | undefined => {
  const url = tracesUrl(options);
  if (url === undefined) return undefined;
  if (options.sampleRatio !== undefined && !(options.sampleRatio >= 0 && options.sampleRatio <= 1)) {
    throw new RangeError('createTracing(): sampleRatio must be from 0 to 1');
  }
  let loaded: Tracing | undefined;
  const ready = import('./otel-tracing.js').then(({ startOtelTracing }) => {
    loaded = startOtelTracing({ ...options, url });
  }, (error: unknown) => {
    throw new Error(`Tracing could not start: the OpenTelemetry SDK did not load (${(error as Error).message}); unset OTEL_EXPORTER_OTLP_ENDPOINT to run without it`, { cause: error });
  });
  // Handled here so that a failure surfaces where `ready` is awaited (serve), not as an unhandled rejection before it.
  ready.catch(() => undefined);
  return {
    tracer: { startSpan: (spanOptions) => loaded?.tracer.startSpan(spanOptions) },
    ready,
    shutdown: async (timeoutMs = 5000) => {
      await ready.catch(() => undefined);
      await loaded?.shutdown(timeoutMs);
    },
  };
};
